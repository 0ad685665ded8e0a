using System.IO.Compression;
using System.Xml.Linq;
using DeepClustering.Mixtures;

namespace DeepClustering.Tests.Package;

/// <summary>
/// Packs the library once (from the build the tests run on, <c>dotnet pack --no-build</c>) into a temporary local
/// feed, under a version of its own so that no NuGet cache can hold an older package of that version.
/// </summary>
public sealed class PackedPackageFixture : IDisposable
{
#if DEBUG
    internal const string Configuration = "Debug";
#else
    internal const string Configuration = "Release";
#endif

    /// <summary>Creates the feed and packs into it.</summary>
    public PackedPackageFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "dc-package-" + Guid.NewGuid().ToString("N")[..12]);
        Feed = Path.Combine(Root, "feed");
        Directory.CreateDirectory(Feed);
        var v = typeof(KMeans).Assembly.GetName().Version!;
        Version = $"{v.Major}.{v.Minor}.{v.Build}-packagetest.{DateTime.UtcNow:yyyyMMddHHmmss}";
        (PackExitCode, PackOutput) = ProcessRunner.RunDotnet(RepositoryPaths.Root, TimeSpan.FromMinutes(3),
            "pack", RepositoryPaths.LibraryProject, "-c", Configuration, "--no-build", "--disable-build-servers",
            "-o", Feed, $"-p:PackageVersion={Version}");
        Package = Path.Combine(Feed, $"DeepClustering.{Version}.nupkg");
        SymbolPackage = Path.Combine(Feed, $"DeepClustering.{Version}.snupkg");
    }

    /// <summary>Temporary folder of this fixture (deleted on dispose).</summary>
    public string Root { get; }

    /// <summary>The local feed holding the packages.</summary>
    public string Feed { get; }

    /// <summary>The package version packed.</summary>
    public string Version { get; }

    /// <summary>Exit code of <c>dotnet pack</c>.</summary>
    public int PackExitCode { get; }

    /// <summary>Output of <c>dotnet pack</c>.</summary>
    public string PackOutput { get; }

    /// <summary>The .nupkg path.</summary>
    public string Package { get; }

    /// <summary>The .snupkg path.</summary>
    public string SymbolPackage { get; }

    /// <summary>Fails with the pack output unless packing succeeded.</summary>
    public void AssertPacked()
    {
        Assert.True(PackExitCode == 0 && File.Exists(Package),
            $"dotnet pack failed (exit {PackExitCode}); the tests pack the {Configuration} build with --no-build.\n{PackOutput}");
    }

    /// <summary>The package's entry names.</summary>
    public static IReadOnlyList<string> Entries(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        return zip.Entries.Select(e => e.FullName).ToList();
    }

    /// <summary>The bytes of one entry.</summary>
    public static byte[] ReadEntry(string package, string name)
    {
        using var zip = ZipFile.OpenRead(package);
        var entry = zip.GetEntry(name) ?? throw new Xunit.Sdk.XunitException($"{Path.GetFileName(package)} has no entry {name}.");
        using var s = entry.Open();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    /// <summary>The package's nuspec metadata element.</summary>
    public XElement Metadata()
    {
        using var zip = ZipFile.OpenRead(Package);
        var entry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/'));
        using var s = entry.Open();
        var doc = XDocument.Load(s);
        return doc.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { } // best effort: a temp folder
        catch (UnauthorizedAccessException) { }
    }
}
