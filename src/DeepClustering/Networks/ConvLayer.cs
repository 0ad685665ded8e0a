using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace DeepClustering.Networks;

/// <summary>
/// A square-kernel 2-D convolution (or transposed convolution) whose parameters are created and initialised here,
/// from the caller's generator (TorchSharp's own Conv2d draws from the global RNG).
/// </summary>
public sealed class ConvLayer : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly long[] stride;
    private readonly long[] padding;
    private readonly long[] outputPadding;
    private readonly bool transposed;

    /// <summary>Creates the layer on the CPU.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernel">Kernel size.</param>
    /// <param name="stride">Stride.</param>
    /// <param name="padding">Zero padding on each side.</param>
    /// <param name="transposed">Transposed convolution (decoder side).</param>
    /// <param name="outputPadding">Extra rows/columns of a transposed convolution's output (0 ≤ value &lt; stride).</param>
    /// <param name="init">Weight initialisation.</param>
    /// <param name="generator">Generator; null leaves zeros.</param>
    public ConvLayer(int inChannels, int outChannels, int kernel, int stride, int padding, bool transposed,
        (int Height, int Width) outputPadding, WeightInitKind init, Generator? generator) : base(nameof(ConvLayer))
    {
        this.transposed = transposed;
        this.stride = new long[] { stride, stride };
        this.padding = new long[] { padding, padding };
        this.outputPadding = new long[] { outputPadding.Height, outputPadding.Width };
        // PyTorch layouts: conv [out, in, k, k]; transposed conv [in, out, k, k]. Fans follow torch.nn.init.
        var w = transposed ? empty(inChannels, outChannels, kernel, kernel) : empty(outChannels, inChannels, kernel, kernel);
        var b = empty(outChannels);
        long receptive = (long)kernel * kernel;
        long fanIn = w.shape[1] * receptive, fanOut = w.shape[0] * receptive;
        WeightInit.Initialize(w, b, fanIn, fanOut, init, generator);
        weight = (Parameter)new Parameter(w).DetachFromDisposeScope();
        bias = (Parameter)new Parameter(b).DetachFromDisposeScope();
        RegisterComponents();
    }

    /// <summary>Applies the convolution to a batch (B x C x H x W).</summary>
    public override Tensor forward(Tensor input) => transposed
        ? nn.functional.conv_transpose2d(input, weight, bias, stride, padding, outputPadding)
        : nn.functional.conv2d(input, weight, bias, stride, padding);
}
