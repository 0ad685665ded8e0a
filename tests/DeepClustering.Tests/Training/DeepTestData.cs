using DeepClustering.Data;

namespace DeepClustering.Tests.Training;

/// <summary>Small synthetic data for the deep tests.</summary>
internal static class DeepTestData
{
    /// <summary>K well-separated Gaussian blobs in <paramref name="features"/> dimensions, labels 0..K-1.</summary>
    public static Dataset Blobs(int rows = 300, int features = 12, int clusters = 3, int seed = 7, double spread = 0.3)
    {
        var random = new Random(seed);
        var centres = new double[clusters, features];
        for (int k = 0; k < clusters; k++)
            for (int j = 0; j < features; j++) centres[k, j] = random.NextDouble() * 8 - 4;
        var values = new float[rows * features];
        var labels = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            int k = i % clusters;
            labels[i] = k;
            for (int j = 0; j < features; j++)
            {
                double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
                double g = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                values[i * features + j] = (float)(centres[k, j] + spread * g);
            }
        }
        return Dataset.FromValues(values, rows, features, labels, "blobs");
    }

    /// <summary>Tiny grey images (side x side) in [0, 1]: K blurred bar patterns plus noise.</summary>
    public static Dataset Images(int rows = 120, int side = 16, int clusters = 3, int seed = 3)
    {
        var random = new Random(seed);
        var values = new float[rows * side * side];
        var labels = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            int k = i % clusters;
            labels[i] = k;
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++)
                {
                    bool on = k switch { 0 => Math.Abs(x - side / 2) < 2, 1 => Math.Abs(y - side / 2) < 2, _ => Math.Abs(x - y) < 2 };
                    values[i * side * side + y * side + x] = (float)Math.Clamp((on ? 0.9 : 0.05) + 0.05 * random.NextDouble(), 0, 1);
                }
        }
        return Dataset.FromValues(values, rows, side * side, labels, "bars", new ImageShape(1, side, side));
    }

    /// <summary>Exact equality of two float matrices.</summary>
    public static bool Same(float[,] a, float[,] b)
    {
        if (a.GetLength(0) != b.GetLength(0) || a.GetLength(1) != b.GetLength(1)) return false;
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++)
                if (BitConverter.SingleToInt32Bits(a[i, j]) != BitConverter.SingleToInt32Bits(b[i, j])) return false;
        return true;
    }
}
