using BenchmarkDotNet.Running;

namespace Corral.Bench;

/// <summary>Micro-benchmarks: <c>dotnet run -c Release --project bench/Corral.Bench -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
