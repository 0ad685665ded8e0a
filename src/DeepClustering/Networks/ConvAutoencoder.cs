using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepClustering.Networks;

/// <summary>
/// Convolutional autoencoder for images (the CAE of Guo et al. / DEC-DA, generalised): stride-2 convolutions with
/// kernel 5 and padding 2, the last one kernel 3 without padding, then a linear code; the decoder mirrors it with
/// transposed convolutions whose output padding restores the exact input size (28x28 → 14 → 7 → 3; 16x16 → 8 → 4 → 1).
/// Rows are flattened images (channels x height x width); the output is flattened the same way and linear.
/// </summary>
public sealed class ConvAutoencoder : AutoencoderNetwork
{
    private readonly ModuleList<ConvLayer> encoderConvs;
    private readonly Linear encoderCode;
    private readonly Linear decoderInput;
    private readonly ModuleList<ConvLayer> decoderConvs;
    private readonly long[] imageShape;
    private readonly long[] innerShape;

    /// <summary>Builds the network on the CPU; a null generator leaves zero weights (state loaded next).</summary>
    public ConvAutoencoder(AutoencoderArchitecture architecture, Generator? generator) : base(nameof(ConvAutoencoder), architecture)
    {
        if (architecture.Kind != NetworkKind.Convolutional || architecture.Image is null)
            throw new ArgumentException("the architecture is not convolutional or has no image shape.", nameof(architecture));
        var image = architecture.Image;
        var channels = architecture.HiddenSizes;
        var plan = Plan(image, channels.Count);
        var init = architecture.GlorotInit ? WeightInitKind.GlorotUniform : WeightInitKind.PyTorchDefault;
        encoderConvs = new ModuleList<ConvLayer>();
        int c = image.Channels;
        for (int i = 0; i < channels.Count; i++)
        {
            encoderConvs.Add(new ConvLayer(c, channels[i], plan.Kernels[i], 2, plan.Paddings[i], false, (0, 0), init, generator));
            c = channels[i];
        }
        var (h, w) = plan.Sizes[^1];
        long flat = (long)c * h * w;
        encoderCode = WeightInit.Linear(flat, architecture.LatentSize, init, generator);
        decoderInput = WeightInit.Linear(architecture.LatentSize, flat, init, generator);
        decoderConvs = new ModuleList<ConvLayer>();
        for (int i = channels.Count - 1; i >= 0; i--)
        {
            int outC = i == 0 ? image.Channels : channels[i - 1];
            var (inH, inW) = plan.Sizes[i + 1];
            var (outH, outW) = plan.Sizes[i];
            var op = (OutputPad(outH, inH, plan.Kernels[i], plan.Paddings[i]), OutputPad(outW, inW, plan.Kernels[i], plan.Paddings[i]));
            decoderConvs.Add(new ConvLayer(channels[i], outC, plan.Kernels[i], 2, plan.Paddings[i], true, op, init, generator));
        }
        imageShape = new long[] { -1, image.Channels, image.Height, image.Width };
        innerShape = new long[] { -1, c, h, w };
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor Encode(Tensor input)
    {
        var x = input.reshape(imageShape);
        foreach (var conv in encoderConvs) x = WeightInit.Activate(conv.forward(x), Architecture.Activation);
        var z = encoderCode.forward(x.flatten(1));
        return Architecture.TanhBottleneck ? z.tanh_() : z;
    }

    /// <inheritdoc />
    public override Tensor Decode(Tensor codes)
    {
        var x = WeightInit.Activate(decoderInput.forward(codes), Architecture.Activation).reshape(innerShape);
        for (int i = 0; i < decoderConvs.Count; i++)
        {
            x = decoderConvs[i].forward(x);
            if (i + 1 < decoderConvs.Count) x = WeightInit.Activate(x, Architecture.Activation);
        }
        return x.flatten(1);
    }

    /// <summary>Kernel, padding and spatial size after each convolution (Sizes[0] is the input size).</summary>
    internal static (int[] Kernels, int[] Paddings, (int H, int W)[] Sizes) Plan(Data.ImageShape image, int layers)
    {
        var kernels = new int[layers];
        var paddings = new int[layers];
        var sizes = new (int, int)[layers + 1];
        sizes[0] = (image.Height, image.Width);
        for (int i = 0; i < layers; i++)
        {
            bool last = i == layers - 1;
            kernels[i] = last ? 3 : 5;
            paddings[i] = last ? 0 : 2;
            var (h, w) = sizes[i];
            sizes[i + 1] = (Out(h, kernels[i], paddings[i]), Out(w, kernels[i], paddings[i]));
            if (sizes[i + 1].Item1 < 1 || sizes[i + 1].Item2 < 1)
                throw new ArgumentException($"a {image.Height}x{image.Width} image is too small for {layers} stride-2 convolutions; use fewer HiddenSizes (channels) or Network = Mlp.");
        }
        return (kernels, paddings, sizes);

        static int Out(int size, int k, int p) => (size + 2 * p - k) / 2 + 1;
    }

    private static int OutputPad(int target, int input, int kernel, int padding)
    {
        int op = target - ((input - 1) * 2 - 2 * padding + kernel);
        if (op is < 0 or > 1) throw new ArgumentException(
                $"the convolutional autoencoder cannot mirror a stride-2 convolution from {input} back to {target} pixels: the images are too small for its layers. Use Network = NetworkKind.Mlp, or fewer convolution channels (HiddenSizes), for images smaller than 16x16.");
        return op;
    }
}
