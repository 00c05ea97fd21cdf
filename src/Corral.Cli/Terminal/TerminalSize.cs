namespace Corral.Cli.Terminal;

/// <summary>The size of the terminal behind standard output.</summary>
public static class TerminalSize
{
    /// <summary>Columns of the terminal, or 0 when standard output is not a terminal.</summary>
    public static int Width()
    {
        if (Console.IsOutputRedirected) return 0;
        try
        {
            return Console.WindowWidth;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException or InvalidOperationException)
        {
            return 0;
        }
    }

    /// <summary>Rows of the terminal, or <paramref name="fallback"/> when unknown.</summary>
    public static int Height(int fallback = 24)
    {
        if (Console.IsOutputRedirected && Console.IsErrorRedirected) return fallback;
        try
        {
            int h = Console.WindowHeight;
            return h > 0 ? h : fallback;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException or InvalidOperationException)
        {
            return fallback;
        }
    }
}
