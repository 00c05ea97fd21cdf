using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Corral.Engine.Gguf;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quantization;

/// <summary>Where a running quantization stands, reported after every chunk of every tensor.</summary>
/// <param name="TensorIndex">Zero-based index of the tensor being written, in output order.</param>
/// <param name="TensorCount">Number of tensors in the file.</param>
/// <param name="TensorName">Name of the tensor being written.</param>
/// <param name="SourceType">The tensor's type in the source file.</param>
/// <param name="TargetType">The tensor's type in the output file.</param>
/// <param name="TensorBytesDone">Source bytes of this tensor processed so far.</param>
/// <param name="TensorBytes">Source bytes of this tensor.</param>
/// <param name="BytesDone">Source bytes of the whole file processed so far.</param>
/// <param name="BytesTotal">Source bytes of all tensors.</param>
public readonly record struct QuantizeProgress(
    int TensorIndex, int TensorCount, string TensorName, GgmlType SourceType, GgmlType TargetType,
    long TensorBytesDone, long TensorBytes, long BytesDone, long BytesTotal)
{
    /// <summary>Overall completion in [0, 1].</summary>
    public double Fraction => BytesTotal == 0 ? 1 : (double)BytesDone / BytesTotal;
}

/// <summary>What a finished quantization did.</summary>
public sealed record QuantizeResult(
    LlamaFileType FileType, int TensorCount, int ConvertedTensorCount, int FallbackCount,
    long SourceBytes, long OutputBytes, TimeSpan Elapsed);

/// <summary>
/// Rewrites an F32/F16/BF16 GGUF model as another file type, byte for byte as llama-quantize does
/// without an importance matrix (engine.md §2.4–2.8). The source is memory-mapped and processed tensor
/// by tensor in chunks of rows, so memory stays at one chunk per call whatever the model size; rows are
/// quantized in parallel. The result is written to a temporary file beside the output and renamed over
/// it only when complete.
/// </summary>
public static class ModelQuantizer
{
    public const string AlreadyQuantizedMessage = "quantization is only supported for F16, BF16 and F32 models";

    /// <summary>Output bytes converted between writes (and between progress reports and cancellation checks).</summary>
    internal const int ChunkBytes = 8 << 20;

    /// <summary>Quantizes <paramref name="inputPath"/> into <paramref name="outputPath"/>.</summary>
    /// <param name="threads">Worker threads; 0 or less means one per processor.</param>
    /// <exception cref="QuantizationException">The source is already quantized, the target type is not supported, or the data is invalid.</exception>
    /// <exception cref="GgufFormatException">The source is not a valid GGUF file.</exception>
    public static QuantizeResult Quantize(string inputPath, string outputPath, LlamaFileType fileType,
        IProgress<QuantizeProgress>? progress = null, int threads = 0, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        if (!LlamaFileTypes.IsSupportedTarget(fileType))
            throw new QuantizationException(LlamaFileTypes.UnsupportedMessage(LlamaFileTypes.Name(fileType)));
        if (threads <= 0) threads = Environment.ProcessorCount;
        if (!File.Exists(inputPath)) throw new QuantizationException($"model file not found: {inputPath}");

        var stopwatch = Stopwatch.StartNew();
        string output = Path.GetFullPath(outputPath);
        string directory = Path.GetDirectoryName(output) ?? ".";
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, $".{Path.GetFileName(output)}.{Guid.NewGuid():N}.partial");

        QuantizationPlan plan;
        try
        {
            using (var source = GgufFile.Open(inputPath))
            {
                EnsureUnquantized(source);
                plan = QuantizationPlan.Create(source, fileType);
                using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                Write(source, plan, stream, progress, threads, cancellationToken);
            }
            File.Move(temp, output, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        return new QuantizeResult(fileType, plan.Tensors.Count, plan.Tensors.Count(t => !t.IsCopy), plan.FallbackCount,
            plan.SourceDataBytes, new FileInfo(output).Length, stopwatch.Elapsed);
    }

    /// <summary>Writes the planned file to <paramref name="output"/> (header, then every tensor in order).</summary>
    public static void Write(GgufFile source, QuantizationPlan plan, Stream output, IProgress<QuantizeProgress>? progress = null,
        int threads = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(output);
        if (threads <= 0) threads = Environment.ProcessorCount;

        var specs = plan.Tensors.Select(t => t.Output).ToArray();
        using var writer = GgufWriter.Create(output, plan.Metadata, specs, leaveOpen: true);
        var state = new ProgressState(plan, progress);
        for (int i = 0; i < plan.Tensors.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var tensor = plan.Tensors[i];
            state.BeginTensor(i);
            if (tensor.IsCopy) CopyTensor(source, tensor, writer, state, cancellationToken);
            else ConvertTensor(source, tensor, writer, state, threads, cancellationToken);
        }
        writer.Complete();
    }

    /// <summary>Ollama refuses to re-quantize: the file type must be F32, F16 or BF16 and no tensor may be block-quantized.</summary>
    public static void EnsureUnquantized(GgufFile source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.GetInt("general.file_type") is long ft && ft is not ((long)LlamaFileType.F32 or (long)LlamaFileType.F16 or (long)LlamaFileType.BF16))
            throw new QuantizationException(AlreadyQuantizedMessage);
        foreach (var t in source.Tensors)
            if (GgmlTypeInfo.BlockSize(t.Type) > 1) throw new QuantizationException(AlreadyQuantizedMessage);
    }

    private static unsafe void CopyTensor(GgufFile source, PlannedTensor tensor, GgufWriter writer, ProgressState state, CancellationToken ct)
    {
        byte* p = source.TensorPointer(tensor.Source);
        long size = tensor.Source.ByteSize;
        if (size == 0) state.Advance(0);
        for (long done = 0; done < size;)
        {
            ct.ThrowIfCancellationRequested();
            int n = (int)Math.Min(ChunkBytes, size - done);
            writer.WriteTensorData(new ReadOnlySpan<byte>(p + done, n));
            done += n;
            state.Advance(n);
        }
    }

    private static unsafe void ConvertTensor(GgufFile source, PlannedTensor tensor, GgufWriter writer, ProgressState state,
        int threads, CancellationToken ct)
    {
        var src = tensor.Source;
        var target = tensor.Output.Type;
        if (src.Type is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16))
            throw new QuantizationException(
                $"tensor '{src.Name}' has type {GgmlTypeInfo.Name(src.Type)}, which cannot be converted to {GgmlTypeInfo.Name(target)}");
        if (!WeightQuantizer.TryGet(target, out var quantize))
            throw new QuantizationException($"tensor '{src.Name}': writing {GgmlTypeInfo.Name(target)} is not supported");
        if (src.Ne0 > Array.MaxLength) throw new QuantizationException($"tensor '{src.Name}' has rows of {src.Ne0} values, too long to convert");

        int rowLength = (int)src.Ne0;
        long rows = src.RowCount;
        long srcRowBytes = src.RowBytes;
        long dstRowBytes = GgmlTypeInfo.RowSize(target, rowLength);
        if (rows == 0 || rowLength == 0)
        {
            state.Advance(0);
            return;
        }
        int rowsPerChunk = (int)Math.Clamp(ChunkBytes / Math.Max(1, dstRowBytes), 1, Math.Min(rows, int.MaxValue / Math.Max(1, dstRowBytes)));
        byte[] buffer = ArrayPool<byte>.Shared.Rent(checked((int)(rowsPerChunk * dstRowBytes)));
        try
        {
            var job = new RowJob((nint)source.TensorPointer(src), src.Type, src.Name, rowLength, srcRowBytes, dstRowBytes, quantize, buffer);
            var options = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = ct };
            for (long first = 0; first < rows; first += rowsPerChunk)
            {
                ct.ThrowIfCancellationRequested();
                int count = (int)Math.Min(rowsPerChunk, rows - first);
                int parts = Math.Min(threads, count);
                if (parts == 1)
                {
                    job.Run(first, 0, count);
                }
                else
                {
                    long chunkFirst = first;
                    try
                    {
                        Parallel.For(0, parts, options, part =>
                            job.Run(chunkFirst, (int)((long)count * part / parts), (int)((long)count * (part + 1) / parts)));
                    }
                    catch (AggregateException e) when (e.InnerExceptions.Count > 0)
                    {
                        // Surface the worker's own exception (e.g. invalid data) rather than the wrapper.
                        ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
                    }
                }
                writer.WriteTensorData(buffer.AsSpan(0, (int)(count * dstRowBytes)));
                state.Advance(count * srcRowBytes);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Converts rows of one chunk: widen each source row to F32 in a per-thread scratch row, then quantize it.</summary>
    private sealed class RowJob(nint tensorData, GgmlType sourceType, string name, int rowLength, long srcRowBytes, long dstRowBytes,
        QuantizeRow quantize, byte[] output)
    {
        [ThreadStatic] private static float[]? t_scratch;

        public unsafe void Run(long chunkFirstRow, int begin, int end)
        {
            float[] scratch = t_scratch is { } s && s.Length >= rowLength ? s : (t_scratch = new float[rowLength]);
            var row = scratch.AsSpan(0, rowLength);
            for (int r = begin; r < end; r++)
            {
                long rowIndex = chunkFirstRow + r;
                byte* p = (byte*)tensorData + rowIndex * srcRowBytes;
                ReadOnlySpan<float> values;
                switch (sourceType)
                {
                    case GgmlType.F32:
                        values = new ReadOnlySpan<float>(p, rowLength);
                        break;
                    case GgmlType.F16:
                        FloatBits.HalfToSingle(new ReadOnlySpan<ushort>(p, rowLength), row);
                        values = row;
                        break;
                    default:
                        FloatBits.BFloat16ToSingle(new ReadOnlySpan<ushort>(p, rowLength), row);
                        values = row;
                        break;
                }
                if (!AllFinite(values))
                    throw new QuantizationException($"tensor '{name}' has invalid data: row {rowIndex} contains NaN or infinity");
                quantize(values, output.AsSpan((int)(r * dstRowBytes), (int)dstRowBytes));
            }
        }
    }

    /// <summary>llama.cpp refuses tensors with NaN or infinite values; so do we, rather than write garbage scales.</summary>
    internal static bool AllFinite(ReadOnlySpan<float> values)
    {
        var bits = MemoryMarshal.Cast<float, uint>(values);
        const uint exponent = 0x7f800000;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var mask = new Vector<uint>(exponent);
            var vectors = MemoryMarshal.Cast<uint, Vector<uint>>(bits);
            foreach (var v in vectors)
                if (Vector.EqualsAny(v & mask, mask)) return false;
            i = vectors.Length * Vector<uint>.Count;
        }
        for (; i < bits.Length; i++)
            if ((bits[i] & exponent) == exponent) return false;
        return true;
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Turns chunk completions into <see cref="QuantizeProgress"/> reports.</summary>
    private sealed class ProgressState(QuantizationPlan plan, IProgress<QuantizeProgress>? progress)
    {
        private readonly long _total = plan.SourceDataBytes;
        private long _done;
        private long _tensorDone;
        private int _index;

        public void BeginTensor(int index)
        {
            _index = index;
            _tensorDone = 0;
        }

        public void Advance(long bytes)
        {
            _done += bytes;
            _tensorDone += bytes;
            if (progress is null) return;
            var t = plan.Tensors[_index];
            progress.Report(new QuantizeProgress(_index, plan.Tensors.Count, t.Name, t.Source.Type, t.Output.Type,
                _tensorDone, t.Source.ByteSize, _done, _total));
        }
    }
}
