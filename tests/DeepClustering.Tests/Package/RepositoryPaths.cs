namespace DeepClustering.Tests.Package;

/// <summary>Locates the repository checkout the tests were built from.</summary>
internal static class RepositoryPaths
{
    /// <summary>The folder holding DeepClustering.sln, found by walking up from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The library project.</summary>
    public static string LibraryProject => Path.Combine(Root, "src", "DeepClustering", "DeepClustering.csproj");

    /// <summary>The package README (packed as README.md).</summary>
    public static string PackageReadme => Path.Combine(Root, "src", "DeepClustering", "PACKAGE.md");

    /// <summary>The guides.</summary>
    public static string Docs => Path.Combine(Root, "docs");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DeepClustering.sln"))) return dir.FullName;
        throw new InvalidOperationException($"DeepClustering.sln not found above {AppContext.BaseDirectory}.");
    }
}
