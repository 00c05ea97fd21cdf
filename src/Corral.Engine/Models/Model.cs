using Corral.Engine.Gguf;
using Corral.Engine.Models.Architectures;

namespace Corral.Engine.Models;

/// <summary>Load-time choices that shape the model's numerics.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>Per-sequence context length the model will run with (phi3 picks RoPE factors from it).</summary>
    public int ContextLength { get; init; } = 4096;

    /// <summary>Lock the mapped weights in RAM (llama.cpp's <c>use_mlock</c>); see <see cref="Model.MemoryLockError"/>.</summary>
    public bool LockMemory { get; init; }

    /// <summary>
    /// Give the Q8_0/Q4_0/Q5_0/IQ4_NL matrices their row-interleaved copies (<see cref="InterleavedWeights"/>). On unless
    /// <c>CORRAL_INTERLEAVE=0</c>, which exists to measure the difference: those matrices then keep the file-layout
    /// kernels, whose summation order differs in the last bits.
    /// </summary>
    public bool InterleaveWeights { get; init; } = Environment.GetEnvironmentVariable("CORRAL_INTERLEAVE") != "0";

    /// <summary>
    /// Leave the interleaved copies until <see cref="Model.StartInterleaving"/> (a server starts them once its runner is
    /// first idle, so that building them, ~0.1 s of contended page faults here, does not delay the first token).
    /// </summary>
    public bool DeferInterleaving { get; init; }
}

/// <summary>
/// A loaded decoder model: the mapped GGUF file, its hyper-parameters, the architecture's spec and the
/// weights (views into the mapping). Immutable and shareable between inference contexts.
/// </summary>
public sealed class Model : IDisposable
{
    public GgufFile File { get; }
    public ModelHyperparameters Hyperparameters { get; }
    public DecoderArchitecture Architecture { get; }
    public TransformerSpec Spec { get; }
    public TransformerWeights Weights { get; }
    public int VocabSize => Weights.Output.Rows;

    private readonly InterleavedWeights? _interleaved;

    /// <summary>Bytes of row-interleaved weight copies (they replace the same number of file bytes in memory).</summary>
    public long InterleavedBytes => _interleaved?.ByteSize ?? 0;

    /// <summary>Waits until the row-interleaved copies are all in use (they are built in the background after loading).</summary>
    public void WaitForInterleavedWeights()
    {
        _interleaved?.Start();
        _interleaved?.WaitUntilBuilt();
    }

    /// <summary>Starts building the interleaved copies if <see cref="ModelLoadOptions.DeferInterleaving"/> held them back (idempotent, cheap).</summary>
    public void StartInterleaving() => _interleaved?.Start();

    /// <summary>Why building the interleaved copies stopped short, or null; the file rows serve meanwhile, with the same results.</summary>
    public Exception? InterleavingFailure => _interleaved?.Failure;

    private Model(GgufFile file, ModelHyperparameters hp, DecoderArchitecture arch, TransformerSpec spec, TransformerWeights weights,
        InterleavedWeights? interleaved)
    {
        _interleaved = interleaved;
        File = file;
        Hyperparameters = hp;
        Architecture = arch;
        Spec = spec;
        Weights = weights;
    }

    /// <summary>Opens and validates a model file. Errors are <see cref="GgufFormatException"/> or <see cref="ModelLoadException"/>.</summary>
    public static Model Load(string path, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        var file = GgufFile.Open(path);
        try
        {
            return Load(file, options);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Builds a model over an already opened file; the model takes ownership of it.</summary>
    public static Model Load(GgufFile file, ModelLoadOptions options)
    {
        var arch = ArchitectureRegistry.Resolve(file.Architecture);
        var hp = ModelHyperparameters.Read(file);
        var loader = new TensorLoader(file);
        var weights = arch.LoadWeights(loader, hp);
        ModelSupport.EnsureKernels(weights);
        var spec = arch.CreateSpec(file, hp, weights, options.ContextLength);
        // Built in the background unless the memory is to be locked now (the kernels read the file rows meanwhile).
        var interleaved = options.InterleaveWeights
            ? InterleavedWeights.Create(file, weights, options.LockMemory ? InterleavedWeights.When.Now : options.DeferInterleaving ? InterleavedWeights.When.Later : InterleavedWeights.When.Background)
            : null;
        var model = new Model(file, hp, arch, spec, weights, interleaved);
        if (options.LockMemory)
        {
            model.MemoryLocked = model.LockResident(out var error);
            model.MemoryLockError = error;
        }
        return model;
    }

    /// <summary>The memory the model computes from: the interleaved copies and the file except the ranges they replace.</summary>
    private unsafe List<(nint Address, long Length)> ResidentRanges()
    {
        var ranges = new List<(nint, long)>();
        long at = 0;
        if (_interleaved != null)
        {
            ranges.Add(((nint)_interleaved.Arena, _interleaved.ByteSize));
            foreach (var (offset, length) in _interleaved.ReplacedRanges())
            {
                if (offset > at) ranges.Add(((nint)(File.BasePointer + at), offset - at));
                at = Math.Max(at, offset + length);
            }
        }
        if (File.Length > at) ranges.Add(((nint)(File.BasePointer + at), File.Length - at));
        return ranges;
    }

    private unsafe bool LockResident(out string? error)
    {
        error = null;
        foreach (var (address, length) in ResidentRanges())
        {
            if (MemoryLock.TryLock((void*)address, length, out error)) continue;
            UnlockResident();
            return false;
        }
        return true;
    }

    private unsafe void UnlockResident()
    {
        foreach (var (address, length) in ResidentRanges()) MemoryLock.Unlock((void*)address, length);
    }

    /// <summary>True when <see cref="ModelLoadOptions.LockMemory"/> was asked for and the weights are locked in RAM.</summary>
    public bool MemoryLocked { get; private set; }

    /// <summary>Why locking failed (the model still works, only pageable), or null.</summary>
    public string? MemoryLockError { get; private set; }

    public void Dispose()
    {
        if (MemoryLocked)
        {
            UnlockResident();
            MemoryLocked = false;
        }
        _interleaved?.Dispose();
        File.Dispose();
    }
}
