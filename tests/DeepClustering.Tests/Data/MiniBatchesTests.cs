using DeepClustering.Core;
using DeepClustering.Data;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Data;

public sealed class MiniBatchesTests
{
    private static Tensor Rows(int n) => arange(n * 3, dtype: ScalarType.Float32).reshape(n, 3);

    private static List<long[]> Orders(int seed, Tensor data, int batchSize, bool dropLast = false)
    {
        using var random = new RandomSource(seed);
        var orders = new List<long[]>();
        foreach (var (batch, indices) in MiniBatches.Shuffled(data, batchSize, random, dropLast))
        {
            using (batch)
            using (indices)
            {
                var idx = indices.data<long>().ToArray();
                // Each batch holds exactly the rows its indices name.
                using var expected = data.index_select(0, indices);
                Assert.True(batch.equal(expected).all().item<bool>());
                orders.Add(idx);
            }
        }
        return orders;
    }

    [Fact]
    public void CoversEveryRowOnceInBatchesOfTheRightSize()
    {
        using var data = Rows(103);
        var batches = Orders(1, data, 10);
        Assert.Equal(11, batches.Count);
        Assert.All(batches.Take(10), b => Assert.Equal(10, b.Length));
        Assert.Equal(3, batches[^1].Length);
        Assert.Equal(Enumerable.Range(0, 103).Select(i => (long)i), batches.SelectMany(b => b).Order());
        Assert.NotEqual(Enumerable.Range(0, 103).Select(i => (long)i), batches.SelectMany(b => b)); // shuffled
        Assert.Equal(11, MiniBatches.BatchCount(103, 10));
    }

    [Fact]
    public void DropLastSkipsTheShortBatch()
    {
        using var data = Rows(25);
        var batches = Orders(1, data, 10, dropLast: true);
        Assert.Equal(2, batches.Count);
        Assert.Equal(20, batches.SelectMany(b => b).Distinct().Count());
        Assert.Equal(2, MiniBatches.BatchCount(25, 10, dropLast: true));
    }

    [Fact]
    public void SameSeedSameOrderOtherSeedOtherOrder()
    {
        using var data = Rows(50);
        var a = Orders(42, data, 8).SelectMany(b => b).ToArray();
        var b = Orders(42, data, 8).SelectMany(b => b).ToArray();
        var c = Orders(43, data, 8).SelectMany(b => b).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void ScopePerBatchDoesNotBreakTheIteration()
    {
        using var data = Rows(30);
        using var random = new RandomSource(5);
        int rows = 0;
        using var e = MiniBatches.Shuffled(data, 7, random).GetEnumerator();
        while (true)
        {
            using var scope = NewDisposeScope(); // the enumerator moves inside the scope: batches join it
            if (!e.MoveNext()) break;
            rows += (int)e.Current.Batch.shape[0];
        }
        Assert.Equal(30, rows);
    }

    [Fact]
    public void SequentialYieldsViewsInOrder()
    {
        using var data = Rows(10);
        var chunks = MiniBatches.Sequential(data, 4).ToList();
        Assert.Equal([4L, 4, 2], chunks.Select(c => c.shape[0]));
        using var joined = cat(chunks, 0);
        Assert.True(joined.equal(data).all().item<bool>());
        foreach (var c in chunks) c.Dispose();
        Assert.Equal(29f, data[9, 2].item<float>()); // disposing views leaves the data intact
    }

    [Fact]
    public void ArgumentsAreChecked()
    {
        using var data = Rows(4);
        using var random = new RandomSource(0);
        Assert.Throws<ArgumentOutOfRangeException>(() => MiniBatches.Shuffled(data, 0, random));
        Assert.Throws<ArgumentOutOfRangeException>(() => MiniBatches.Sequential(data, 0));
        using var scalar = tensor(1f);
        Assert.Throws<ArgumentException>(() => MiniBatches.Sequential(scalar, 2));
    }
}
