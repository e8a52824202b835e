namespace DirectorySim;

/// <summary>
/// A community mesh as a graph: nodes scattered uniformly over a square, each linked to its three
/// nearest nodes (links are symmetric, so the average degree comes out near 4), then any islands
/// joined to the rest by their shortest link. Hop counts grow like the square root of N, as in a
/// real rooftop mesh, not like log N.
/// </summary>
internal sealed class Mesh
{
    private Mesh(double[] x, double[] y, List<int>[] links)
    {
        X = x;
        Y = y;
        Links = links;
    }

    public int Count => X.Length;

    public double[] X { get; }

    public double[] Y { get; }

    public List<int>[] Links { get; }

    public double AverageDegree => Links.Average(l => l.Count);

    public static Mesh Random(int n, int nearest, Random random)
    {
        var x = new double[n];
        var y = new double[n];
        for (var i = 0; i < n; i++)
            (x[i], y[i]) = (random.NextDouble(), random.NextDouble());
        var links = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        var grid = new Grid(x, y);
        for (var i = 0; i < n; i++)
            foreach (var j in grid.Nearest(i, nearest))
                Link(links, i, j);

        // Join islands: repeatedly link the smallest component to its closest node outside it.
        while (Components(links) is { Count: > 1 } components)
        {
            var island = components.MinBy(c => c.Count)!;
            var inside = new HashSet<int>(island);
            var best = (From: -1, To: -1, D: double.MaxValue);
            foreach (var i in island)
                for (var j = 0; j < n; j++)
                    if (!inside.Contains(j) && Distance2(x, y, i, j) is var d && d < best.D)
                        best = (i, j, d);
            Link(links, best.From, best.To);
        }
        return new Mesh(x, y, links);
    }

    /// <summary>Longest shortest path found by repeated sweeps (a lower bound, exact on most such graphs).</summary>
    public int Diameter()
    {
        var start = 0;
        var best = 0;
        for (var sweep = 0; sweep < 4; sweep++)
        {
            var hops = Hops(start);
            var far = Array.IndexOf(hops, hops.Max());
            best = Math.Max(best, hops[far]);
            start = far;
        }
        return best;
    }

    public int[] Hops(int from)
    {
        var hops = Enumerable.Repeat(-1, Count).ToArray();
        var queue = new Queue<int>();
        hops[from] = 0;
        queue.Enqueue(from);
        while (queue.TryDequeue(out var i))
            foreach (var j in Links[i])
                if (hops[j] < 0)
                {
                    hops[j] = hops[i] + 1;
                    queue.Enqueue(j);
                }
        return hops;
    }

    /// <summary>
    /// Hops from <paramref name="from"/> to every node, over links whose ends are on the same side
    /// when <paramref name="side"/> is given (a partition); <see cref="ushort.MaxValue"/> where there is no path.
    /// <paramref name="queue"/> is scratch space of <see cref="Count"/> entries.
    /// </summary>
    public ushort[] HopsWithin(int from, bool[]? side, int[] queue)
    {
        var hops = new ushort[Count];
        Array.Fill(hops, ushort.MaxValue);
        hops[from] = 0;
        queue[0] = from;
        for (int head = 0, tail = 1; head < tail; head++)
        {
            var i = queue[head];
            foreach (var j in Links[i])
                if (hops[j] == ushort.MaxValue && (side is null || side[i] == side[j]))
                {
                    hops[j] = (ushort)(hops[i] + 1);
                    queue[tail++] = j;
                }
        }
        return hops;
    }

    private static void Link(List<int>[] links, int a, int b)
    {
        if (a == b || links[a].Contains(b))
            return;
        links[a].Add(b);
        links[b].Add(a);
    }

    private static List<List<int>> Components(List<int>[] links)
    {
        var seen = new bool[links.Length];
        var components = new List<List<int>>();
        for (var s = 0; s < links.Length; s++)
        {
            if (seen[s])
                continue;
            var component = new List<int> { s };
            seen[s] = true;
            for (var k = 0; k < component.Count; k++)
                foreach (var j in links[component[k]])
                    if (!seen[j])
                    {
                        seen[j] = true;
                        component.Add(j);
                    }
            components.Add(component);
        }
        return components;
    }

    private static double Distance2(double[] x, double[] y, int i, int j) =>
        (x[i] - x[j]) * (x[i] - x[j]) + (y[i] - y[j]) * (y[i] - y[j]);

    /// <summary>Buckets of about two nodes each, so that nearest neighbours are found without comparing every pair.</summary>
    private sealed class Grid
    {
        private readonly double[] _x, _y;
        private readonly int _side;
        private readonly List<int>[] _cells;

        public Grid(double[] x, double[] y)
        {
            (_x, _y) = (x, y);
            _side = Math.Max(1, (int)Math.Sqrt(x.Length / 2.0));
            _cells = Enumerable.Range(0, _side * _side).Select(_ => new List<int>()).ToArray();
            for (var i = 0; i < x.Length; i++)
                _cells[Cell(x[i]) * _side + Cell(y[i])].Add(i);
        }

        public IEnumerable<int> Nearest(int i, int k)
        {
            var (cx, cy) = (Cell(_x[i]), Cell(_y[i]));
            for (var r = 1; ; r++)
            {
                var found = new List<int>();
                for (var gx = Math.Max(0, cx - r); gx <= Math.Min(_side - 1, cx + r); gx++)
                    for (var gy = Math.Max(0, cy - r); gy <= Math.Min(_side - 1, cy + r); gy++)
                        found.AddRange(_cells[gx * _side + gy].Where(j => j != i));
                // Everything within r-1 cells is surely seen once the ring is r cells wide.
                var sure = (r - 1.0) / _side;
                var best = found.OrderBy(j => Distance2(_x, _y, i, j)).Take(k).ToList();
                if ((best.Count == k && Distance2(_x, _y, i, best[^1]) <= sure * sure) || r > _side)
                    return best;
            }
        }

        private int Cell(double v) => Math.Min(_side - 1, (int)(v * _side));
    }
}
