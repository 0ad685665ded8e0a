using TorchSharp;
var x = torch.randn(4, 3);
Console.WriteLine(x.sum(dim: 0).ToString(TorchSharp.TensorStringStyle.Julia));
