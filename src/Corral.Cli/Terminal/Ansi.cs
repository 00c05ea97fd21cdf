namespace Corral.Cli.Terminal;

/// <summary>The ANSI control sequences the CLI writes (the same ones Ollama's CLI uses).</summary>
public static class Ansi
{
    public const string Esc = "\x1b";
    public const string CursorBol = Esc + "[1G";
    public const string CursorUp = Esc + "[A";
    public const string CursorHide = Esc + "[?25l";
    public const string CursorShow = Esc + "[?25h";
    public const string ClearToEol = Esc + "[K";
    public const string ClearLine = Esc + "[2K";
    public const string ClearToEndOfScreen = Esc + "[J";
    public const string ClearScreen = Esc + "[2J";
    public const string CursorHome = Esc + "[H";
    public const string SyncStart = Esc + "[?2026h";
    public const string SyncEnd = Esc + "[?2026l";
    public const string ColorGrey = Esc + "[38;5;245m";
    public const string ColorDefault = Esc + "[0m";
    public const string ColorBold = Esc + "[1m";
    public const string StartBracketedPaste = Esc + "[?2004h";
    public const string EndBracketedPaste = Esc + "[?2004l";

    public static string CursorLeft(int n) => $"{Esc}[{n}D";
    public static string CursorRight(int n) => $"{Esc}[{n}C";
    public static string CursorUpN(int n) => $"{Esc}[{n}A";
    public static string CursorDownN(int n) => $"{Esc}[{n}B";

    /// <summary>Removes CSI escape sequences (for tests and width computations).</summary>
    public static string Strip(string s) => System.Text.RegularExpressions.Regex.Replace(s, "\x1b\\[[0-9;?]*[A-Za-z]|\x1b[=>]", "");
}
