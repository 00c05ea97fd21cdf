namespace Corral.Store.Modelfiles;

/// <summary><c>golang.org/x/mod/semver.IsValid</c>: <c>vMAJOR[.MINOR[.PATCH[-pre][+build]]]</c>, no leading zeros.</summary>
public static class Semver
{
    public static bool IsValid(string v)
    {
        if (v.Length < 2 || v[0] != 'v') return false;
        int i = 1;
        if (!Number(v, ref i)) return false;
        if (i == v.Length) return true;                     // v1
        if (v[i] != '.') return false;
        i++;
        if (!Number(v, ref i)) return false;
        if (i == v.Length) return true;                     // v1.2
        if (v[i] != '.') return false;
        i++;
        if (!Number(v, ref i)) return false;
        if (i < v.Length && v[i] == '-')
        {
            i++;
            if (!Identifiers(v, ref i, prerelease: true)) return false;
        }
        if (i < v.Length && v[i] == '+')
        {
            i++;
            if (!Identifiers(v, ref i, prerelease: false)) return false;
        }
        return i == v.Length;
    }

    private static bool Number(string v, ref int i)
    {
        int start = i;
        while (i < v.Length && char.IsAsciiDigit(v[i])) i++;
        if (i == start) return false;
        return !(v[start] == '0' && i - start > 1);
    }

    private static bool Identifiers(string v, ref int i, bool prerelease)
    {
        while (true)
        {
            int start = i;
            bool allDigits = true;
            while (i < v.Length && (char.IsAsciiLetterOrDigit(v[i]) || v[i] == '-'))
            {
                if (!char.IsAsciiDigit(v[i])) allDigits = false;
                i++;
            }
            if (i == start) return false;
            if (prerelease && allDigits && v[start] == '0' && i - start > 1) return false;
            if (i < v.Length && v[i] == '.')
            {
                i++;
                continue;
            }
            return true;
        }
    }
}
