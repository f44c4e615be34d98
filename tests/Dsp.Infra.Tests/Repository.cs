namespace Dsp.Infra.Tests;

/// <summary>Files of the repository the tests check besides the compiled template.</summary>
internal static class Repository
{
    private static readonly Lazy<string> _root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dsp.Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Dsp.Functions.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => _root.Value;

    public static string ReadAllText(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));
}
