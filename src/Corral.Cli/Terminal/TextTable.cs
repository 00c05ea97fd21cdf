using System.Text;

namespace Corral.Cli.Terminal;

/// <summary>
/// The borderless tables of <c>list</c>, <c>ps</c> and <c>show</c>, laid out as Ollama's table writer does: every cell
/// left-aligned and padded to its column's width, each followed by four spaces (so lines carry trailing padding), no
/// header rule. Cells wider than the column limit (30 columns; 100 for long text) are word-wrapped with minimum
/// raggedness, and a cell's line breaks are reflowed into one paragraph first.
/// </summary>
public sealed class TextTable
{
    private const string Padding = "    ";
    private readonly List<string[]> _rows = [];
    private string[]? _header;

    /// <summary>The wrap limit for cells, in columns.</summary>
    public int ColumnWidthLimit { get; set; } = 30;

    public TextTable WithHeader(params string[] header)
    {
        _header = header;
        return this;
    }

    public TextTable Add(params string[] row)
    {
        _rows.Add(row);
        return this;
    }

    public int RowCount => _rows.Count;

    public void Render(TextWriter w) => w.Write(ToString());

    public override string ToString()
    {
        int columns = Math.Max(_header?.Length ?? 0, _rows.Count == 0 ? 0 : _rows.Max(r => r.Length));
        var widths = new int[columns];
        List<string>[]? header = _header is null ? null : Layout(_header, columns, widths);
        var rows = _rows.Select(r => Layout(r, columns, widths)).ToList();

        var sb = new StringBuilder();
        if (header is not null) AppendRow(sb, header, widths);
        foreach (var r in rows) AppendRow(sb, r, widths);
        return sb.ToString();
    }

    private List<string>[] Layout(string[] row, int columns, int[] widths)
    {
        var cells = new List<string>[columns];
        for (int c = 0; c < columns; c++)
        {
            string text = c < row.Length ? row[c] : "";
            var lines = WrapCell(text, ColumnWidthLimit);
            cells[c] = lines;
            foreach (var line in lines) widths[c] = Math.Max(widths[c], DisplayWidth.Of(line));
        }
        return cells;
    }

    private static void AppendRow(StringBuilder sb, List<string>[] cells, int[] widths)
    {
        int height = cells.Max(c => c.Count);
        for (int y = 0; y < height; y++)
        {
            for (int c = 0; c < cells.Length; c++)
            {
                string s = y < cells[c].Count ? cells[c][y] : "";
                sb.Append(s).Append(' ', Math.Max(widths[c] - DisplayWidth.Of(s), 0)).Append(Padding);
            }
            sb.Append('\n');
        }
    }

    /// <summary>One cell's display lines: its paragraphs joined by spaces, then wrapped to at most <paramref name="limit"/> columns where words allow.</summary>
    public static List<string> WrapCell(string text, int limit)
    {
        string paragraph = string.Join(" ", text.Split('\n'));
        int width = Math.Min(DisplayWidth.Of(paragraph), limit);
        string[] words = paragraph.Split(' ');
        foreach (var word in words) width = Math.Max(width, DisplayWidth.Of(word));
        return WrapWords(words, width).Select(line => string.Join(" ", line)).ToList();
    }

    /// <summary>Minimum-raggedness line breaking: the sum of squared trailing gaps is minimal; over-long lines pay a penalty.</summary>
    private static List<string[]> WrapWords(string[] words, int limit)
    {
        const int penalty = 100_000;
        int n = words.Length;
        var wordWidth = words.Select(DisplayWidth.Of).ToArray();
        // lineWidth(i, j) = width of words i..j joined by single spaces
        long LineWidth(int i, int j)
        {
            long w = 0;
            for (int k = i; k <= j; k++) w += wordWidth[k] + (k > i ? 1 : 0);
            return w;
        }
        var cost = new long[n];
        var next = new int[n];
        for (int i = n - 1; i >= 0; i--)
        {
            cost[i] = int.MaxValue;
            if (LineWidth(i, n - 1) <= limit)
            {
                cost[i] = 0;
                next[i] = n;
                continue;
            }
            for (int j = i + 1; j < n; j++)
            {
                long len = LineWidth(i, j - 1);
                long gap = limit - len;
                long c = gap * gap + cost[j];
                if (len > limit) c += penalty;
                if (c < cost[i])
                {
                    cost[i] = c;
                    next[i] = j;
                }
            }
        }
        var lines = new List<string[]>();
        for (int i = 0; i < n; i = next[i]) lines.Add(words[i..next[i]]);
        return lines;
    }
}
