using Corral.Testing;

namespace Corral.Templates.Tests;

/// <summary>A fact that needs a folder under <c>../shared</c>; it is reported as skipped (not passed) when the folder is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(params string[] path)
    {
        if (!Directory.Exists(RepoPaths.SharedFile(path)))
            Skip = $"reference data {Path.Combine(path)} is not in the shared folder ({RepoPaths.Shared})";
    }
}
