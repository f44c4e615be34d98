using Dsp.Cli;

return await DspCommandLine.Create().Parse(args).InvokeAsync();
