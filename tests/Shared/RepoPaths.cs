namespace Corral.Testing;

/// <summary>Locates the repository root and the read-only <c>../shared</c> reference folder from a test's bin directory.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The repository root (the folder holding <c>Directory.Build.props</c>).</summary>
    public static string Root => s_root.Value;

    /// <summary>The <c>../shared</c> folder beside the repository, or <c>$CORRAL_SHARED</c> when set.</summary>
    public static string Shared
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("CORRAL_SHARED");
            if (!string.IsNullOrEmpty(env)) return Path.GetFullPath(env);
            return Path.GetFullPath(Path.Combine(Root, "..", "shared"));
        }
    }

    public static string SharedFile(params string[] parts) => Path.Combine([Shared, .. parts]);

    /// <summary>A scratch folder for generated artefacts that outlive one test run (synthetic models).</summary>
    public static string Cache
    {
        get
        {
            var dir = Path.Combine(Root, ".build", "test-cache");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")) && Directory.Exists(Path.Combine(dir.FullName, "src")))
                return dir.FullName;
            dir = dir.Parent;
        }
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
