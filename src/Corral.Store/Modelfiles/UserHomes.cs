namespace Corral.Store.Modelfiles;

/// <summary>Home directories for <c>~name</c> paths, from <c>/etc/passwd</c> (null on Windows or for unknown users).</summary>
public static class UserHomes
{
    public static string? Lookup(string user) => Lookup(user, "/etc/passwd");

    public static string? Lookup(string user, string passwdPath)
    {
        if (OperatingSystem.IsWindows() || user.Length == 0 || !File.Exists(passwdPath)) return null;
        foreach (var line in File.ReadLines(passwdPath))
        {
            var fields = line.Split(':');
            if (fields.Length >= 6 && fields[0] == user) return fields[5];
        }
        return null;
    }
}

/// <summary>Resolves symbolic links in every component of a path (Go's <c>filepath.EvalSymlinks</c> on an absolute path).</summary>
public static class RealPath
{
    public static string Resolve(string path) => Resolve(Path.GetFullPath(path), 0);

    private static string Resolve(string full, int depth)
    {
        if (depth > 40) throw new IOException($"too many levels of symbolic links: {full}");
        string root = Path.GetPathRoot(full) ?? "";
        string current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            var info = new FileInfo(next);
            if (info.LinkTarget is { } target)
            {
                string absolute = Path.IsPathRooted(target) ? target : Path.Combine(current, target);
                next = Resolve(Path.GetFullPath(absolute), depth + 1);
            }
            current = next;
        }
        return current;
    }
}
