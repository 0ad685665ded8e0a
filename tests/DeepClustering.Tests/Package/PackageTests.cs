using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace DeepClustering.Tests.Package;

/// <summary>
/// The NuGet package as a user gets it: its contents and metadata, and a fresh console project that restores it from
/// a local feed, builds (with the guides' code samples) and runs. The slowest tests of the suite (about half a minute:
/// a pack, a restore from the machine's package folder, a build); filter them out with
/// <c>--filter Category!=Package</c>.
/// </summary>
[Trait("Category", "Package")]
public sealed class PackageTests(PackedPackageFixture package) : IClassFixture<PackedPackageFixture>
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public void PackageHoldsLibraryXmlDocsReadmeLicenceAndSymbols()
    {
        package.AssertPacked();
        var entries = PackedPackageFixture.Entries(package.Package);
        foreach (var name in new[] { "README.md", "LICENSE", "lib/net10.0/DeepClustering.dll", "lib/net10.0/DeepClustering.xml" })
            Assert.Contains(name, entries);

        // The package README is PACKAGE.md, the licence the repository's LICENSE.
        Assert.Equal(File.ReadAllText(RepositoryPaths.PackageReadme),
            Encoding.UTF8.GetString(PackedPackageFixture.ReadEntry(package.Package, "README.md")));
        var licence = Encoding.UTF8.GetString(PackedPackageFixture.ReadEntry(package.Package, "LICENSE"));
        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "LICENSE")), licence);
        Assert.StartsWith("MIT License", licence);

        // XML docs of the public API.
        var xml = XDocument.Parse(Encoding.UTF8.GetString(PackedPackageFixture.ReadEntry(package.Package, "lib/net10.0/DeepClustering.xml")));
        var members = xml.Descendants("member").Select(m => (string?)m.Attribute("name")).ToHashSet();
        foreach (var id in new[] { "T:DeepClustering.Mixtures.KMeans", "T:DeepClustering.Models.AutoencoderMixtureOptions", "P:DeepClustering.Mixtures.KMeansOptions.Clusters" })
            Assert.Contains(id, members);

        // Symbols: a portable PDB in the .snupkg.
        Assert.True(File.Exists(package.SymbolPackage), "no .snupkg next to the .nupkg");
        var pdb = PackedPackageFixture.ReadEntry(package.SymbolPackage, "lib/net10.0/DeepClustering.pdb");
        Assert.Equal("BSJB", Encoding.ASCII.GetString(pdb, 0, 4));
    }

    [Fact]
    public void NuspecCarriesLicenceReadmeDependenciesAndRepository()
    {
        package.AssertPacked();
        var meta = package.Metadata();
        string Value(string name) => meta.Elements().Single(e => e.Name.LocalName == name).Value;
        XElement Element(string name) => meta.Elements().Single(e => e.Name.LocalName == name);

        Assert.Equal("DeepClustering", Value("id"));
        Assert.Equal(package.Version, Value("version"));
        Assert.Equal("MIT", Value("license"));
        Assert.Equal("expression", (string?)Element("license").Attribute("type"));
        Assert.Equal("README.md", Value("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Value("authors")));
        Assert.Contains("TorchSharp", Value("description"));
        Assert.Contains("clustering", Value("tags").Split(' '));

        // The managed TorchSharp only: the application picks the native backend.
        var dependencies = meta.Descendants().Where(e => e.Name.LocalName == "dependency")
            .ToDictionary(e => (string)e.Attribute("id")!, e => (string)e.Attribute("version")!);
        Assert.Equal("0.107.0", dependencies["TorchSharp"]);
        Assert.DoesNotContain(dependencies.Keys, id => id.StartsWith("TorchSharp-", StringComparison.Ordinal) || id.StartsWith("libtorch", StringComparison.Ordinal));

        // SourceLink: the commit packed (and the origin's URL when the checkout has one).
        var repository = Element("repository");
        Assert.Equal("git", (string?)repository.Attribute("type"));
        var head = ProcessRunner.Run("git", RepositoryPaths.Root, TimeSpan.FromSeconds(30), "rev-parse", "HEAD");
        if (head.ExitCode == 0) Assert.Equal(head.Output.Trim(), (string?)repository.Attribute("commit"));
        else Assert.Matches("^[0-9a-f]{40}$", (string?)repository.Attribute("commit") ?? "");
        var origin = ProcessRunner.Run("git", RepositoryPaths.Root, TimeSpan.FromSeconds(30), "remote", "get-url", "origin");
        if (origin.ExitCode == 0 && origin.Output.Trim().StartsWith("https://", StringComparison.Ordinal))
            Assert.Equal(origin.Output.Trim(), (string?)repository.Attribute("url"));
    }

    [Fact]
    public void FreshConsoleProjectRestoresBuildsAndRunsThePackage()
    {
        package.AssertPacked();
        var dir = Path.Combine(package.Root, "consumer");
        Directory.CreateDirectory(dir);

        // Restore from the local feed plus the machine's own sources (inherited from the user-level NuGet.Config),
        // into a private package folder that falls back on the machine's one: TorchSharp's native libraries are
        // read from there, not downloaded or extracted again, and the machine's folder is not written to.
        var locals = ProcessRunner.RunDotnet(RepositoryPaths.Root, StepTimeout, "nuget", "locals", "global-packages", "--list");
        Assert.True(locals.ExitCode == 0, locals.Output);
        var machinePackages = Regex.Match(locals.Output, @"global-packages:\s*(.+)").Groups[1].Value.Trim();
        Assert.True(Directory.Exists(machinePackages), $"no global packages folder: {locals.Output}");
        File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(package.Root, "packages")}" />
              </config>
              <packageSources>
                <add key="packed" value="{package.Feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{machinePackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        // Nothing from folders above (a user's Directory.Build.props, central package versions) applies.
        File.WriteAllText(Path.Combine(dir, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(dir, "Directory.Build.targets"), "<Project />");
        File.WriteAllText(Path.Combine(dir, "Directory.Packages.props"), "<Project />");
        // A plain console project with warnings as errors: restoring the package must not warn (e.g. NU1603).
        File.WriteAllText(Path.Combine(dir, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <CreateHardLinksForCopyLocalIfPossible>true</CreateHardLinksForCopyLocalIfPossible>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="DeepClustering" Version="{package.Version}" />
                <PackageReference Include="TorchSharp-cpu" Version="0.107.0" />
              </ItemGroup>
            </Project>
            """);

        // Program.cs is the package README's quick start; every other C# sample of the README and of docs/ is
        // compiled too (as a method that is never called), so the guides cannot drift from the packed API.
        var readmeSnippets = CodeSnippet.Read(RepositoryPaths.PackageReadme);
        Assert.NotEmpty(readmeSnippets);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), readmeSnippets[0].Code);
        var samples = readmeSnippets.Skip(1)
            .Concat(Directory.Exists(RepositoryPaths.Docs)
                ? Directory.GetFiles(RepositoryPaths.Docs, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal).SelectMany(CodeSnippet.Read)
                : [])
            .ToList();
        Directory.CreateDirectory(Path.Combine(dir, "Samples"));
        for (int i = 0; i < samples.Count; i++)
            File.WriteAllText(Path.Combine(dir, "Samples", $"Sample{i}.cs"), samples[i].ToCompilationUnit($"Sample{i}"));

        var build = ProcessRunner.RunDotnet(dir, StepTimeout, "build", "App.csproj", "-c", "Release", "--disable-build-servers");
        Assert.True(build.ExitCode == 0, $"the consumer project did not build (exit {build.ExitCode}):\n{build.Output}");
        Assert.DoesNotMatch(@": warning [A-Z]+[0-9]+", build.Output);

        var run = ProcessRunner.RunDotnet(dir, StepTimeout, Path.Combine(dir, "bin", "Release", "net10.0", "App.dll"));
        Assert.True(run.ExitCode == 0, $"the consumer program failed (exit {run.ExitCode}):\n{run.Output}");
        var labels = Regex.Match(run.Output, @"^labels: ([0-9 ]+)$", RegexOptions.Multiline).Groups[1].Value
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        Assert.Equal(6, labels.Length);
        Assert.Equal(labels[0], labels[1]);
        Assert.Equal(labels[0], labels[2]);
        Assert.Equal(labels[3], labels[4]);
        Assert.Equal(labels[3], labels[5]);
        Assert.NotEqual(labels[0], labels[3]);
        Assert.Matches(@"(?m)^accuracy: 1\r?$", run.Output);
    }
}
