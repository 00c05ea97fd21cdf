namespace Corral.Engine.Sampling;

/// <summary>
/// The 32-bit Mersenne Twister (std::mt19937) and libstdc++'s <c>uniform_real_distribution&lt;double&gt;(0,1)</c>,
/// which consumes two outputs per draw, so a seed gives the same draws as llama.cpp on Linux.
/// </summary>
public sealed class Mt19937
{
    private const int N = 624, M = 397;
    private readonly uint[] _mt = new uint[N];
    private int _index;

    public Mt19937(uint seed)
    {
        _mt[0] = seed;
        for (int i = 1; i < N; i++)
            _mt[i] = unchecked(1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i);
        _index = N;
    }

    public uint NextUInt32()
    {
        if (_index >= N) Twist();
        uint y = _mt[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        return y;
    }

    private void Twist()
    {
        for (int i = 0; i < N; i++)
        {
            uint y = (_mt[i] & 0x80000000u) | (_mt[(i + 1) % N] & 0x7fffffffu);
            uint next = _mt[(i + M) % N] ^ (y >> 1);
            if ((y & 1) != 0) next ^= 0x9908b0dfu;
            _mt[i] = next;
        }
        _index = 0;
    }

    /// <summary>A double in [0, 1) exactly as libstdc++'s generate_canonical computes it from two draws.</summary>
    public double NextDouble()
    {
        double a = NextUInt32();
        double b = NextUInt32();
        double r = (a + b * 4294967296.0) / 18446744073709551616.0;
        return r >= 1.0 ? Math.BitDecrement(1.0) : r;
    }
}
