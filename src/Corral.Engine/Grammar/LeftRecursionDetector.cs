namespace Corral.Engine.Grammar;

/// <summary>
/// Finds a rule that can derive itself as its own leftmost symbol. Such grammars make the stack expansion
/// endless, so they are rejected. Unlike llama.cpp's check, nullability is computed to a fixpoint, so a
/// recursion hidden behind a rule that only derives the empty string indirectly is caught too.
/// </summary>
internal static class LeftRecursionDetector
{
    public static int? FindLeftRecursiveRule(GrammarElement[][] rules)
    {
        bool[] nullable = ComputeNullable(rules);

        // Edges i → j where rule j can be the leftmost symbol of rule i.
        var leftmost = new List<int>[rules.Length];
        for (int i = 0; i < rules.Length; i++)
        {
            var targets = new List<int>();
            bool atLeft = true;
            foreach (var e in rules[i])
            {
                if (e.IsEndOfSequence)
                {
                    atLeft = true;
                }
                else if (e.Type == GrammarElementType.RuleRef)
                {
                    if (atLeft) targets.Add((int)e.Value);
                    atLeft &= nullable[e.Value];
                }
                else if (e.Type is not (GrammarElementType.CharAlt or GrammarElementType.CharRangeUpper))
                {
                    atLeft = false;
                }
            }
            leftmost[i] = targets;
        }

        // Iterative DFS cycle search (0 = unvisited, 1 = on the current path, 2 = done).
        var state = new byte[rules.Length];
        var path = new Stack<(int Rule, int Next)>();
        for (int start = 0; start < rules.Length; start++)
        {
            if (state[start] != 0) continue;
            state[start] = 1;
            path.Push((start, 0));
            while (path.Count > 0)
            {
                var (rule, next) = path.Pop();
                if (next < leftmost[rule].Count)
                {
                    path.Push((rule, next + 1));
                    int target = leftmost[rule][next];
                    if (state[target] == 1) return target;
                    if (state[target] == 0)
                    {
                        state[target] = 1;
                        path.Push((target, 0));
                    }
                }
                else
                {
                    state[rule] = 2;
                }
            }
        }
        return null;
    }

    private static bool[] ComputeNullable(GrammarElement[][] rules)
    {
        var nullable = new bool[rules.Length];
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int i = 0; i < rules.Length; i++)
            {
                if (nullable[i]) continue;
                bool alternativeNullable = true;
                foreach (var e in rules[i])
                {
                    if (e.IsEndOfSequence)
                    {
                        if (alternativeNullable)
                        {
                            nullable[i] = true;
                            changed = true;
                            break;
                        }
                        alternativeNullable = true;
                    }
                    else if (e.Type != GrammarElementType.RuleRef || !nullable[e.Value])
                    {
                        alternativeNullable = false;
                    }
                }
            }
        }
        return nullable;
    }
}
