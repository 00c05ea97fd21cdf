using System.Runtime.InteropServices;

namespace Corral.Engine.Models;

/// <summary>
/// Pins a model's mapped weights in RAM (<c>mlock</c>, llama.cpp's <c>use_mlock</c>), so the kernel never pages them out
/// under memory pressure. Best effort: without the privilege or the RLIMIT_MEMLOCK headroom the weights stay pageable
/// and <see cref="TryLock"/> says why.
/// </summary>
internal static unsafe partial class MemoryLock
{
    public static bool TryLock(void* address, long length, out string? error)
    {
        error = null;
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            error = "locking memory is supported on Linux and macOS only";
            return false;
        }
        if (mlock(address, (nuint)length) == 0) return true;
        int errno = Marshal.GetLastPInvokeError();
        error = $"mlock of {length / (1 << 20)} MiB failed (errno {errno}); raise the locked-memory limit (ulimit -l) to keep the model resident";
        return false;
    }

    public static void Unlock(void* address, long length)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) munlock(address, (nuint)length);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mlock(void* address, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int munlock(void* address, nuint length);
}
