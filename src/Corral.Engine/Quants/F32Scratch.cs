namespace Corral.Engine.Quants;

/// <summary>A per-thread f32 buffer that kernels reuse for converted activation rows, so no call allocates after warm-up.</summary>
internal static class F32Scratch
{
    [ThreadStatic] private static float[]? t_buffer;

    /// <summary>A pinned buffer of at least <paramref name="count"/> floats; valid until the thread's next call.</summary>
    public static float[] Get(int count)
    {
        var buffer = t_buffer;
        if (buffer == null || buffer.Length < count)
            t_buffer = buffer = GC.AllocateUninitializedArray<float>(Math.Max(count, 4096), pinned: true);
        return buffer;
    }
}
