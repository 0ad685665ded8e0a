using DeepClustering.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepClustering.Tests.Data;

public sealed class ScalerTests
{
    // Column 0 varies, column 1 is constant, column 2 is large with a small spread.
    private static readonly Dataset Data = Dataset.FromArray(new float[,]
    {
        { 1, 5, 1000 }, { 2, 5, 1001 }, { 3, 5, 1002 }, { 6, 5, 1005 },
    }, labels: [0, 1, 0, 1], name: "toy");

    [Fact]
    public void StandardizeMatchesPopulationStatistics()
    {
        var s = Scaler.Fit(Data, ScalerKind.Standardize);
        Assert.Equal(ScalerKind.Standardize, s.Kind);
        Assert.Equal(3, s.Features);
        Assert.Equal(3.0, s.Offset[0], 12);
        Assert.Equal(Math.Sqrt((4 + 1 + 0 + 9) / 4.0), s.Scale[0], 12); // ddof = 0, as scikit-learn
        Assert.Equal(5.0, s.Offset[1], 12);
        Assert.Equal(1.0, s.Scale[1]); // constant feature: scale 1, no division by zero
        var t = s.Transform(Data);
        for (int j = 0; j < 3; j++)
        {
            var col = Enumerable.Range(0, 4).Select(i => (double)t.Row(i)[j]).ToArray();
            Assert.Equal(0, col.Average(), 5);
            if (j != 1) Assert.Equal(1, Math.Sqrt(col.Select(v => v * v).Average()), 5);
            else Assert.All(col, v => Assert.Equal(0, v));
        }
        Assert.Equal(Data.Labels, t.Labels);
        Assert.Equal("toy", t.Name);
    }

    [Fact]
    public void MinMaxMapsToUnitInterval()
    {
        var s = Scaler.Fit(Data, ScalerKind.MinMax);
        var t = s.Transform(Data).Values.ToArray();
        Assert.Equal(0f, t.Where((_, i) => i % 3 == 0).Min());
        Assert.Equal(1f, t.Where((_, i) => i % 3 == 0).Max());
        Assert.All(t.Where((_, i) => i % 3 == 1), v => Assert.Equal(0f, v));
        Assert.Equal(1.0, s.Scale[1]);
    }

    [Fact]
    public void NoneIsIdentity()
    {
        var s = Scaler.Fit(Data, ScalerKind.None);
        Assert.Equal(Data.Values.ToArray(), s.Transform(Data).Values.ToArray());
    }

    [Theory]
    [InlineData(ScalerKind.Standardize)]
    [InlineData(ScalerKind.MinMax)]
    public void TensorTransformRoundTripsAndMatchesDataset(ScalerKind kind)
    {
        var s = Scaler.Fit(Data, kind);
        using var scope = NewDisposeScope();
        var x = Data.ToTensor();
        var before = x.clone();
        var y = s.Transform(x);
        Assert.Equal(s.Transform(Data).Values.ToArray(), y.data<float>().ToArray());
        var back = s.InverseTransform(y);
        Assert.True(back.allclose(x, rtol: 1e-5, atol: 1e-4));
        Assert.True(x.equal(before).all().item<bool>()); // the input is not modified
        var d64 = s.Transform(x.to(ScalarType.Float64));
        Assert.Equal(ScalarType.Float64, d64.dtype);
        // Fitting on the tensor gives the same state as fitting on the dataset.
        var st = Scaler.Fit(x, kind);
        for (int j = 0; j < 3; j++)
        {
            Assert.Equal(s.Offset[j], st.Offset[j], 9);
            Assert.Equal(s.Scale[j], st.Scale[j], 9);
        }
    }

    [Fact]
    public void TensorTransformRunsOnCudaWhenAvailable()
    {
        if (!cuda.is_available()) return;
        var s = Scaler.Fit(Data, ScalerKind.Standardize);
        using var scope = NewDisposeScope();
        var x = Data.ToTensor(CUDA);
        var y = s.Transform(x);
        Assert.Equal(DeviceType.CUDA, y.device_type);
        Assert.Equal(s.Transform(Data).Values.ToArray(), y.cpu().data<float>().ToArray());
    }

    [Fact]
    public void StateRoundTripsThroughFromState()
    {
        var s = Scaler.Fit(Data, ScalerKind.Standardize);
        var r = Scaler.FromState(s.Kind, s.Offset.ToArray(), s.Scale.ToArray());
        Assert.Equal(s.Transform(Data).Values.ToArray(), r.Transform(Data).Values.ToArray());
        Assert.Throws<ArgumentException>(() => Scaler.FromState(ScalerKind.MinMax, [0.0, 1.0], [1.0]));
        Assert.Throws<ArgumentException>(() => Scaler.FromState(ScalerKind.MinMax, [0.0], [0.0]));
        Assert.Throws<ArgumentException>(() => Scaler.FromState(ScalerKind.MinMax, [double.NaN], [1.0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Scaler.FromState((ScalerKind)7, [0.0], [1.0]));
        Assert.IsNotType<double[]>(s.Offset); // read-only: cannot be cast back and mutated
    }

    [Fact]
    public void ChunkedFitEqualsWholeFit()
    {
        var rng = new Random(3);
        var values = Enumerable.Range(0, 103 * 4).Select(_ => (float)(rng.NextDouble() * 100 - 20)).ToArray();
        var d = Dataset.FromValues(values, 103, 4);
        foreach (var kind in new[] { ScalerKind.Standardize, ScalerKind.MinMax })
        {
            var whole = Scaler.Fit(d, kind);
            var chunked = Scaler.Fit(d.AsChunkSource(), kind, chunkRows: 10);
            for (int j = 0; j < 4; j++)
            {
                Assert.Equal(whole.Offset[j], chunked.Offset[j], 10);
                Assert.Equal(whole.Scale[j], chunked.Scale[j], 10);
            }
        }
    }

    [Fact]
    public void WrongFeatureCountIsAnArgumentError()
    {
        var s = Scaler.Fit(Data, ScalerKind.Standardize);
        var other = Dataset.FromArray(new float[,] { { 1, 2 } });
        Assert.Contains("3 features", Assert.Throws<ArgumentException>(() => s.Transform(other)).Message);
        using var t = zeros(2, 5);
        Assert.Throws<ArgumentException>(() => s.Transform(t));
        Assert.Throws<ArgumentOutOfRangeException>(() => Scaler.Fit(Data, (ScalerKind)9));
    }
}
