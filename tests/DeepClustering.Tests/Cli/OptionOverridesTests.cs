using System.Text.Json;
using DeepClustering.Cli;
using DeepClustering.Mixtures;
using DeepClustering.Models;

namespace DeepClustering.Tests.Cli;

/// <summary><c>--set Name=Value</c> and <c>--label</c> of the <c>cluster</c> command.</summary>
[Collection("Console")]
public sealed class OptionOverridesTests
{
    [Fact]
    public void SetsNumbersBooleansEnumsAndNullsByName()
    {
        var o = OptionOverrides.Apply(new NeuralMixtureEmOptions(),
            ["EmWeight=0", "augment=false", "Normalization=Sphere", "LatentSize=null", "Temperature=0.25"]);
        Assert.Equal(0, o.EmWeight);
        Assert.False(o.Augment);
        Assert.Equal(DensityNormalization.Sphere, o.Normalization);
        Assert.Null(o.LatentSize);
        Assert.Equal(0.25, o.Temperature);
        Assert.Equal(1, new NeuralMixtureEmOptions().EmWeight); // a fresh object: defaults are untouched
    }

    [Fact]
    public void DottedNamesSetFieldsOfNestedRecordsOnACopy()
    {
        var none = new NeuralMixtureEmOptions { Augmentation = DeepClustering.Training.AugmentationOptions.None };
        var o = OptionOverrides.Apply(none with { }, ["Augmentation.Rotation=5", "augmentation.pixelnoise=0.1", "PretrainAugment=true"]);
        Assert.Equal(5, o.Augmentation.Rotation);
        Assert.Equal(0.1, o.Augmentation.PixelNoise);
        Assert.Equal(0, o.Augmentation.Shear); // the other fields keep their values
        Assert.True(o.PretrainAugment);
        Assert.Equal(0, DeepClustering.Training.AugmentationOptions.None.Rotation); // the shared record is not changed
        Assert.Same(DeepClustering.Training.AugmentationOptions.None, none.Augmentation);
        Assert.Contains("Augmentation.Rotation", OptionOverrides.Settable(typeof(NeuralMixtureEmOptions)));

        var e = Assert.Throws<ArgumentException>(() => OptionOverrides.Apply(new NeuralMixtureEmOptions(), ["Augmentation.Spin=1"]));
        Assert.Contains("has no option 'Augmentation.Spin'", e.Message);
        var whole = Assert.Throws<ArgumentException>(() => OptionOverrides.Apply(new NeuralMixtureEmOptions(), ["Augmentation=1"]));
        Assert.Contains("has no option 'Augmentation'", whole.Message);
        var bad = Assert.Throws<ArgumentException>(() => OptionOverrides.Apply(new NeuralMixtureEmOptions(), ["Augmentation.Rotation=x"]));
        Assert.Contains("not a valid Double", bad.Message);
    }

    [Theory]
    [InlineData("Bogus=1", "has no option 'Bogus'")]
    [InlineData("Restarts", "is not Name=Value")]
    [InlineData("Restarts=two", "not a valid Int32")]
    [InlineData("Init=Spiral", "choose one of")]
    [InlineData("Restarts=null", "cannot be null")]
    public void BadAssignmentsAreClearErrors(string assignment, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => OptionOverrides.Apply(new KMeansOptions(), [assignment]));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ClusterAppliesSetAndReportsTheLabel()
    {
        var (code, stdout, stderr) = ConsoleCapture.Run("cluster", "--data", "iris", "--model", "kmeans", "--json",
            "--label", "kmeans: one Lloyd step", "--set", "MaxIterations=1", "--set", "Init=Random", "--seed", "3");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout.Trim());
        Assert.Equal("kmeans: one Lloyd step", doc.RootElement.GetProperty("model").GetString());

        var (badCode, _, badErr) = ConsoleCapture.Run("cluster", "--data", "iris", "--model", "neural-em", "--set", "Nope=1");
        Assert.Equal(2, badCode);
        Assert.Contains("settable options:", badErr);
        Assert.Contains("ConsistencyWeight", badErr);
    }
}
