using System.Runtime.InteropServices;

namespace Corral.Cli.Terminal;

/// <summary>
/// Raw keyboard input on a Linux terminal: <c>termios</c> switched to byte-at-a-time without echo or signals (output
/// processing stays on, so <c>\n</c> still starts a new line), and unbuffered reads from file descriptor 0.
/// </summary>
public static unsafe partial class RawTerminal
{
    // glibc's struct termios on Linux: four 32-bit flag words, c_line, c_cc[32], two speeds (60 bytes).
    private const int TermiosSize = 60;
    private const int IflagOffset = 0, CflagOffset = 8, LflagOffset = 12, CcOffset = 17;
    private const int VTime = 5, VMin = 6;
    private const uint IGNBRK = 0x1, BRKINT = 0x2, PARMRK = 0x8, ISTRIP = 0x20, INLCR = 0x40, IGNCR = 0x80, ICRNL = 0x100, IXON = 0x400;
    private const uint ISIG = 0x1, ICANON = 0x2, ECHO = 0x8, ECHONL = 0x40, IEXTEN = 0x8000;
    private const uint CSIZE = 0x30, CS8 = 0x30, PARENB = 0x100;
    private const int TCSANOW = 0;
    private const int EINTR = 4;
    private const int SIGSTOP = 19;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcgetattr(int fd, byte* termios);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcsetattr(int fd, int optionalActions, byte* termios);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    /// <summary>Whether raw input can be used here (a Linux terminal on standard input).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && !Console.IsInputRedirected && TryGetState(out _);

    /// <summary>The terminal settings, to restore later.</summary>
    public static bool TryGetState(out byte[] state)
    {
        state = new byte[TermiosSize];
        fixed (byte* p = state) return tcgetattr(0, p) == 0;
    }

    /// <summary>Switches standard input to raw mode; returns the previous settings.</summary>
    public static byte[] EnterRawMode()
    {
        if (!TryGetState(out var saved)) throw new IOException("standard input is not a terminal");
        var raw = (byte[])saved.Clone();
        fixed (byte* p = raw)
        {
            Clear(p + IflagOffset, IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
            Clear(p + LflagOffset, ECHO | ECHONL | ICANON | ISIG | IEXTEN);
            Clear(p + CflagOffset, CSIZE | PARENB);
            *(uint*)(p + CflagOffset) |= CS8;
            p[CcOffset + VMin] = 1;
            p[CcOffset + VTime] = 0;
            if (tcsetattr(0, TCSANOW, p) != 0) throw new IOException("could not set the terminal to raw mode");
        }
        return saved;
    }

    public static void Restore(byte[] state)
    {
        fixed (byte* p = state) tcsetattr(0, TCSANOW, p);
    }

    /// <summary>Reads what is available from standard input (at least one byte); 0 at end of input.</summary>
    public static int Read(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = read(0, p, buffer.Length);
                if (n >= 0) return (int)n;
                if (Marshal.GetLastPInvokeError() != EINTR) return 0;
            }
        }
    }

    /// <summary>Ctrl+Z: stops the process group until it is continued.</summary>
    public static void Suspend() => kill(0, SIGSTOP);

    private static void Clear(byte* flags, uint mask) => *(uint*)flags &= ~mask;
}
