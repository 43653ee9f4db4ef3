using System.Numerics.Tensors;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// PNN's product layer (Qu et al. 2016), between the embeddings and the first hidden layer: the output row is
/// <c>[z, p]</c> with <c>z = [e_1, …, e_m]</c> (the linear signal, m·k values) and <c>p</c> the selected product signals,
/// in order inner (<see cref="InnerProduct"/>, m(m−1)/2) then outer (<see cref="OuterProduct"/>, k(k+1)/2).
/// PNN's first hidden layer <c>l₁ = σ(l_z + l_p + b₁)</c>, with <c>l_z</c> and <c>l_p</c> linear in z and p, is then an
/// ordinary linear layer on this concatenation. Input <c>B × m·k</c>; the input gradient is the z-part of the output
/// gradient plus the gradients back through each product.
/// </summary>
public sealed class ProductLayer : Layer
{
    private readonly InnerProduct? _inner;
    private readonly OuterProduct? _outer;

    /// <summary>Creates the layer for m fields of embedding size k.</summary>
    public ProductLayer(int fields, int dim, ProductKind kind)
    {
        if ((kind & ProductKind.Both) == 0) throw new ArgumentException("A product layer needs the inner or the outer product.", nameof(kind));
        Fields = fields;
        Dim = dim;
        Kind = kind;
        if (kind.HasFlag(ProductKind.Inner)) _inner = AddModule("inner", new InnerProduct(fields, dim));
        if (kind.HasFlag(ProductKind.Outer)) _outer = AddModule("outer", new OuterProduct(fields, dim));
    }

    /// <summary>Number of fields m.</summary>
    public int Fields { get; }

    /// <summary>Embedding size k.</summary>
    public int Dim { get; }

    /// <summary>The product signals included.</summary>
    public ProductKind Kind { get; }

    /// <summary>Output width: m·k + [m(m−1)/2] + [k(k+1)/2].</summary>
    public int Outputs => Fields * Dim + (_inner?.Outputs ?? 0) + (_outer?.Outputs ?? 0);

    /// <inheritdoc />
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        var state = ws.State<State>(this);
        int b = input.Rows, zw = Fields * Dim, n = Outputs;
        if (input.Cols != zw) throw new ArgumentException($"ProductLayer expects {zw} inputs, got {input.Cols}.");
        state.Output.Reshape(b, n);
        CopyColumns(input, state.Output, 0);
        int at = zw;
        if (_inner is not null) at += CopyColumns(_inner.Forward(input, ws), state.Output, at);
        if (_outer is not null) CopyColumns(_outer.Forward(input, ws), state.Output, at);
        return state.Output;
    }

    /// <summary>What one workspace keeps: the concatenated output and the gradients split back out of it.</summary>
    private sealed class State
    {
        public readonly Matrix Output = new();
        public readonly Matrix GradInput = new();
        public readonly Matrix GradInner = new();
        public readonly Matrix GradOuter = new();
    }

    /// <summary><c>[z, p]</c> as one Concat of the input with the selected products, in <see cref="Forward"/>'s order.</summary>
    public override string ToOnnx(IOnnxGraph graph, string input)
    {
        var parts = new List<string> { input };
        if (_inner is not null) parts.Add(_inner.ToOnnx(graph, input));
        if (_outer is not null) parts.Add(_outer.ToOnnx(graph, input));
        return graph.Node("Concat", [.. parts], "product", OnnxAttribute.Int("axis", 1));
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        int b = gradOutput.Rows, zw = Fields * Dim;
        state.GradInput.Reshape(b, zw);
        SliceColumns(gradOutput, 0, state.GradInput);
        int at = zw;
        if (_inner is not null)
        {
            SliceColumns(gradOutput, at, state.GradInner.Reshape(b, _inner.Outputs));
            at += _inner.Outputs;
            var d = _inner.Backward(state.GradInner, ws);
            TensorPrimitives.Add(state.GradInput.Span, d.Span, state.GradInput.Span);
        }
        if (_outer is not null)
        {
            SliceColumns(gradOutput, at, state.GradOuter.Reshape(b, _outer.Outputs));
            var d = _outer.Backward(state.GradOuter, ws);
            TensorPrimitives.Add(state.GradInput.Span, d.Span, state.GradInput.Span);
        }
        return state.GradInput;
    }

    /// <summary>Writes every row of <paramref name="source"/> into columns <c>[at, at + source.Cols)</c> of
    /// <paramref name="target"/>; returns the width written.</summary>
    private static int CopyColumns(Matrix source, Matrix target, int at)
    {
        int w = source.Cols;
        for (int r = 0; r < source.Rows; r++) source.Row(r).CopyTo(target.Row(r).Slice(at, w));
        return w;
    }

    /// <summary>Fills <paramref name="target"/> (already shaped) from columns <c>[at, at + target.Cols)</c> of <paramref name="source"/>.</summary>
    private static void SliceColumns(Matrix source, int at, Matrix target)
    {
        int w = target.Cols;
        for (int r = 0; r < target.Rows; r++) source.Row(r).Slice(at, w).CopyTo(target.Row(r));
    }
}
