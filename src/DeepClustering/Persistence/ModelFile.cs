using DeepClustering.Core;
using DeepClustering.Mixtures;

namespace DeepClustering.Persistence;

/// <summary>
/// Loads any saved model without knowing its type in advance: the model type stored in the file selects a
/// loader from a registry. Every model type of the library is listed in the static constructor; applications
/// may <see cref="Register"/> their own.
/// </summary>
/// <example>
/// <code>
/// using var model = ModelFile.Load("clusters.dcm");
/// int[] labels = model.Predict(data);
/// </code>
/// </example>
public static class ModelFile
{
    private static readonly Dictionary<string, Func<ModelReader, string, IClusteringModel>> Loaders = new(StringComparer.Ordinal);

    static ModelFile()
    {
        // One line per model type of the library.
        Register(KMeansModel.ModelType, (r, device) => KMeansModel.Load(r, device));
        Register(DirichletProcessGaussianMixtureModel.ModelType, (r, device) => DirichletProcessGaussianMixtureModel.Load(r, device));
        Register(GaussianMixtureModel.ModelType, (r, device) => GaussianMixtureModel.Load(r, device));
        Register(Models.AutoencoderMixtureModel.TypeName, (r, device) => Models.AutoencoderMixtureModel.Load(r, device));
        Register(Models.ClusteringModuleModel.ModelType, (r, device) => Models.ClusteringModuleModel.Load(r, device));
        Register(Models.ClusteringModuleAutoencoderModel.ModelTypeName, (r, device) => Models.ClusteringModuleAutoencoderModel.Load(r, device));
        Register(Models.MixtureOfAutoencodersModel.TypeName, (r, device) => Models.MixtureOfAutoencodersModel.Load(r, device));
        Register(SoftKMeansModel.ModelType, (r, device) => SoftKMeansModel.Load(r, device));
        Register(Models.SoftRegularizedKMeansModel.TypeName, (r, device) => Models.SoftRegularizedKMeansModel.Load(r, device));
        Register(Models.NeuralMixtureEmModel.ModelTypeName, (r, device) => Models.NeuralMixtureEmModel.Load(r, device));
        Register(Models.DeepDirichletProcessMixtureModel.ModelTypeName, (r, device) => Models.DeepDirichletProcessMixtureModel.Load(r, device));
    }

    /// <summary>Adds or replaces the loader of a model type. The loader must check <see cref="ModelReader.FormatVersion"/>.</summary>
    /// <param name="modelType">Model type name as written by <see cref="ModelWriter"/>.</param>
    /// <param name="loader">Builds the model from an opened file and a device name.</param>
    public static void Register(string modelType, Func<ModelReader, string, IClusteringModel> loader)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelType);
        ArgumentNullException.ThrowIfNull(loader);
        lock (Loaders) Loaders[modelType] = loader;
    }

    /// <summary>Model types that can be loaded.</summary>
    public static IReadOnlyList<string> KnownModelTypes
    {
        get { lock (Loaders) return Loaders.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray(); }
    }

    /// <summary>Loads a model of any registered type from a stream (left open).</summary>
    /// <param name="source">Readable stream.</param>
    /// <param name="device">Device for the model: "cpu" (default), "cuda", "cuda:N" or "auto".</param>
    /// <exception cref="ModelFormatException">The stream is not a model file, is corrupt, or holds an unknown model type or version.</exception>
    public static IClusteringModel Load(Stream source, string device = "cpu")
    {
        using var reader = ModelReader.Open(source, expectedType: null, maxVersion: int.MaxValue);
        Func<ModelReader, string, IClusteringModel>? loader;
        lock (Loaders) Loaders.TryGetValue(reader.ModelType, out loader);
        if (loader is null)
            throw new ModelFormatException($"the file holds a model of unknown type '{reader.ModelType}'; known types: {string.Join(", ", KnownModelTypes)}.");
        return loader(reader, device);
    }

    /// <summary>Loads a model of any registered type from a file.</summary>
    public static IClusteringModel Load(string path, string device = "cpu") => ModelFile.ReadFile(path, stream => Load(stream, device));

    /// <summary>Loads a model and checks that it is a <typeparamref name="TModel"/>.</summary>
    public static TModel Load<TModel>(string path, string device = "cpu") where TModel : class, IClusteringModel
    {
        var model = Load(path, device);
        if (model is TModel typed) return typed;
        var actual = model.GetType().Name;
        model.Dispose();
        throw new ModelFormatException($"{path} holds a {actual}, not a {typeof(TModel).Name}.");
    }

    // The file and stream plumbing every model type's Save/Load overloads share.

    /// <summary>Writes a model to <paramref name="path"/> (created or overwritten) through its stream overload.</summary>
    internal static void WriteFile(string path, Action<Stream> save)
    {
        using var stream = File.Create(path);
        save(stream);
    }

    /// <summary>Reads a model from <paramref name="path"/> through its stream overload.</summary>
    internal static T ReadFile<T>(string path, Func<Stream, T> load)
    {
        using var stream = File.OpenRead(path);
        return load(stream);
    }

    /// <summary>Opens a model file of one type (checking type and version) and hands it to the type's loader.</summary>
    internal static T Read<T>(Stream source, string modelType, int maxVersion, Func<ModelReader, T> load)
    {
        using var reader = ModelReader.Open(source, modelType, maxVersion);
        return load(reader);
    }
}
