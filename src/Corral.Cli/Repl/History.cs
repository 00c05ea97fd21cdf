namespace Corral.Cli.Repl;

/// <summary>
/// The REPL's input history: <c>~/.ollama/history</c>, one entry per line, the last 100 kept, saved (temp file +
/// rename, mode 0600) after every entry while enabled.
/// </summary>
public sealed class History
{
    public const int Limit = 100;
    private readonly List<string> _entries = [];
    private readonly string? _path;

    public bool Enabled { get; set; } = true;

    /// <summary>The browsing position: <see cref="Count"/> means "below the newest entry".</summary>
    public int Position { get; private set; }

    public int Count => _entries.Count;

    public History(string? path)
    {
        _path = path;
        if (path is null) return;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (File.Exists(path))
            {
                foreach (var line in File.ReadAllLines(path))
                {
                    string entry = line.Trim();
                    if (entry.Length > 0) AddEntry(entry);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        Position = _entries.Count;
    }

    public void Add(string entry)
    {
        AddEntry(entry);
        Position = _entries.Count;
        Save();
    }

    public string Previous()
    {
        if (Position > 0) Position--;
        return Position < _entries.Count ? _entries[Position] : "";
    }

    public string Next()
    {
        if (Position < _entries.Count) Position++;
        return Position < _entries.Count ? _entries[Position] : "";
    }

    public IReadOnlyList<string> Entries => _entries;

    private void AddEntry(string entry)
    {
        _entries.Add(entry);
        if (_entries.Count > Limit) _entries.RemoveRange(0, _entries.Count - Limit);
    }

    private void Save()
    {
        if (!Enabled || _path is null) return;
        try
        {
            string temp = _path + ".tmp";
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var w = new StreamWriter(temp, new System.Text.UTF8Encoding(false), options))
                foreach (var e in _entries) w.Write(e + "\n");
            File.Move(temp, _path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
