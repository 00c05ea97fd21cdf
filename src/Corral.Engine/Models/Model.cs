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

    private Model(GgufFile file, ModelHyperparameters hp, DecoderArchitecture arch, TransformerSpec spec, TransformerWeights weights)
    {
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
        var model = new Model(file, hp, arch, spec, weights);
        if (options.LockMemory)
        {
            unsafe
            {
                model.MemoryLocked = MemoryLock.TryLock(file.BasePointer, file.Length, out var error);
                model.MemoryLockError = error;
            }
        }
        return model;
    }

    /// <summary>True when <see cref="ModelLoadOptions.LockMemory"/> was asked for and the weights are locked in RAM.</summary>
    public bool MemoryLocked { get; private set; }

    /// <summary>Why locking failed (the model still works, only pageable), or null.</summary>
    public string? MemoryLockError { get; private set; }

    public void Dispose()
    {
        if (MemoryLocked)
        {
            unsafe { MemoryLock.Unlock(File.BasePointer, File.Length); }
            MemoryLocked = false;
        }
        File.Dispose();
    }
}
