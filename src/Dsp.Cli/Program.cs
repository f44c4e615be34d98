using Dsp.Cli;

return await ActivitySlots.RelaunchIfNeededAsync(args) ?? await DspCommandLine.Create().Parse(args).InvokeAsync();
