using System.Text.RegularExpressions;

namespace DeepClustering.Tests.Package;

/// <summary>
/// The guides under docs/ and the package README: every model has a guide with the agreed sections and a C# example
/// (the examples themselves are compiled against the packed package by <see cref="PackageTests"/>), and links resolve.
/// </summary>
public sealed class DocsTests
{
    public static TheoryData<string, string[]> Guides => new()
    {
        { "models/ae-gmm.md", ["AutoencoderMixture"] },
        { "models/clustering-module.md", ["ClusteringModule", "ClusteringModuleAutoencoder"] },
        { "models/mixture-of-autoencoders.md", ["MixtureOfAutoencoders"] },
        { "models/sr-kmeans.md", ["SoftRegularizedKMeans"] },
        { "models/neural-em.md", ["NeuralMixtureEm"] },
        { "models/dirichlet-process.md", ["DirichletProcessGaussianMixture", "DeepDirichletProcessMixture"] },
    };

    [Theory]
    [MemberData(nameof(Guides))]
    public void EveryModelGuideHasItsSectionsAndAnExample(string guide, string[] types)
    {
        var path = Path.Combine(RepositoryPaths.Docs, guide);
        Assert.True(File.Exists(path), $"missing guide {path}");
        var text = File.ReadAllText(path);
        foreach (var heading in new[] { "## When to use", "## Example", "## Failure modes" })
            Assert.Contains(heading, text);
        Assert.Matches(@"(?m)^## (Paper|Papers|Background)\s*$", text);
        Assert.Matches(@"(?m)^## Options", text);
        var snippets = CodeSnippet.Read(path);
        Assert.NotEmpty(snippets);
        foreach (var type in types)
        {
            var library = typeof(DeepClustering.Mixtures.KMeans).Assembly;
            Assert.True((library.GetType($"DeepClustering.Models.{type}") ?? library.GetType($"DeepClustering.Mixtures.{type}")) is { IsPublic: true },
                $"{guide} documents {type}, which is not a public type of the library");
            Assert.Contains(snippets, s => s.Code.Contains($"new {type}(", StringComparison.Ordinal));
        }
        // Accuracy figures belong to the README's results section, not to the guides.
        Assert.DoesNotMatch(@"(?i)\bACC(uracy)?\s*(=|≈|of)?\s*0\.\d", text);
    }

    [Fact]
    public void RelativeLinksInTheGuidesResolve()
    {
        var files = Directory.GetFiles(RepositoryPaths.Docs, "*.md", SearchOption.AllDirectories);
        Assert.True(files.Length >= 10, $"expected the guides under {RepositoryPaths.Docs}");
        foreach (var file in files)
            foreach (Match m in Regex.Matches(File.ReadAllText(file), @"\]\(([^)#\s]+)(#[^)]*)?\)"))
            {
                var target = m.Groups[1].Value;
                if (target.Contains("://", StringComparison.Ordinal)) continue;
                var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, target));
                Assert.True(File.Exists(resolved) || Directory.Exists(resolved), $"{file}: broken link {target}");
            }
    }

    [Fact]
    public void PackageReadmeHasNoRelativeLinksAndAQuickStart()
    {
        // Package pages do not resolve links relative to the repository.
        var text = File.ReadAllText(RepositoryPaths.PackageReadme);
        foreach (Match m in Regex.Matches(text, @"\]\(([^)]+)\)"))
            Assert.StartsWith("https://", m.Groups[1].Value);
        var quickStart = CodeSnippet.Read(RepositoryPaths.PackageReadme)[0].Code;
        Assert.Contains("new KMeans(", quickStart);
        Assert.Contains("Console.WriteLine(\"labels: \"", quickStart);
    }
}
