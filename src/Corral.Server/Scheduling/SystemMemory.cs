using System.Globalization;

namespace Corral.Server.Scheduling;

/// <summary>How much memory models may use on this machine (Linux /proc/meminfo and cgroup limits).</summary>
public static class SystemMemory
{
    /// <summary>Bytes available to models: what the OS reports available plus what our loaded models already hold, minus a safety margin.</summary>
    public static long AvailableForModels(long committedByModels)
    {
        long available = ReadMemInfo("MemAvailable") ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long cgroup = CgroupLimit();
        long total = available + committedByModels;
        if (cgroup > 0) total = Math.Min(total, cgroup);
        // Leave room for the server itself and the page cache.
        return (long)(total * 0.9);
    }

    public static long Total() => ReadMemInfo("MemTotal") ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    private static long? ReadMemInfo(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith(key + ":", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    private static long CgroupLimit()
    {
        try
        {
            const string v2 = "/sys/fs/cgroup/memory.max";
            if (File.Exists(v2))
            {
                var s = File.ReadAllText(v2).Trim();
                if (s != "max" && long.TryParse(s, out long l)) return l;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }

    public static string Format(long bytes) => (bytes / (1024.0 * 1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB";
}
