namespace Corral.Engine.Quants;

/// <summary>
/// Per-thread pinned buffers that kernels reuse for per-call preparation of an activation row (widened floats, block
/// scales, offset corrections), so matrix–vector products allocate nothing after warm-up.
/// </summary>
internal static unsafe class KernelScratch
{
    [ThreadStatic] private static byte[]? t_buffer;

    /// <summary>
    /// A 64-byte-aligned pointer to at least <paramref name="bytes"/> bytes, valid until this thread's next call.
    /// The buffer is pinned (allocated on the pinned object heap), so the pointer stays put.
    /// </summary>
    public static byte* Get(long bytes)
    {
        var buffer = t_buffer;
        if (buffer == null || buffer.Length < bytes + 64)
            t_buffer = buffer = GC.AllocateUninitializedArray<byte>((int)Math.Max(bytes + 64, 64 * 1024), pinned: true);
        fixed (byte* p = buffer) // pinned for good: fixed only reads the address
            return (byte*)(((nint)p + 63) & ~(nint)63);
    }

    /// <summary><see cref="Get"/> as floats.</summary>
    public static float* Floats(int count) => (float*)Get((long)count * sizeof(float));
}
