using DeepFM.Engine;
using DeepFM.Layers;
using DeepFM.Tests.Engine;

namespace DeepFM.Tests.Models;

public class ProductLayerTests
{
    // One row, m = 3 fields, k = 2: e_1 = (1, 2), e_2 = (3, −1), e_3 = (0, 5).
    private static Matrix HandInput()
    {
        var x = new Matrix(1, 6);
        float[] values = [1, 2, 3, -1, 0, 5];
        values.CopyTo(x.Span);
        return x;
    }

    [Fact]
    public void InnerProductsAreThePairwiseDotProducts()
    {
        // ⟨e1,e2⟩ = 3 − 2 = 1, ⟨e1,e3⟩ = 0 + 10 = 10, ⟨e2,e3⟩ = 0 − 5 = −5.
        var y = new InnerProduct(3, 2).Forward(HandInput(), new Workspace(isTraining: false));
        Assert.Equal(new float[] { 1, 10, -5 }, y.Span.ToArray());
    }

    [Fact]
    public void OuterProductIsTheUpperTriangleOfTheSummedEmbeddingSquared()
    {
        // f_Σ = (4, 6): f0·f0 = 16, f0·f1 = 24, f1·f1 = 36.
        var y = new OuterProduct(3, 2).Forward(HandInput(), new Workspace(isTraining: false));
        Assert.Equal(new float[] { 16, 24, 36 }, y.Span.ToArray());
    }

    [Theory]
    [InlineData(ProductKind.Inner, new float[] { 1, 2, 3, -1, 0, 5, 1, 10, -5 })]
    [InlineData(ProductKind.Outer, new float[] { 1, 2, 3, -1, 0, 5, 16, 24, 36 })]
    [InlineData(ProductKind.Both, new float[] { 1, 2, 3, -1, 0, 5, 1, 10, -5, 16, 24, 36 })]
    public void ProductLayerConcatenatesZThenInnerThenOuter(ProductKind kind, float[] expected)
    {
        var layer = new ProductLayer(3, 2, kind);
        Assert.Equal(expected.Length, layer.Outputs);
        Assert.Equal(expected, layer.Forward(HandInput(), new Workspace(isTraining: false)).Span.ToArray());
    }

    [Fact]
    public void ProductsMatchExplicitSumsOnRandomRows()
    {
        var rng = new Rng(21);
        int m = 5, k = 3, b = 4;
        var e = GradientCheck.Random(b, m * k, rng);
        var ws = new Workspace(isTraining: false);
        var inner = new InnerProduct(m, k).Forward(e, ws);
        var outer = new OuterProduct(m, k).Forward(e, ws);
        for (int r = 0; r < b; r++)
        {
            int p = 0;
            for (int i = 0; i < m; i++)
                for (int j = i + 1; j < m; j++, p++)
                {
                    double s = 0;
                    for (int d = 0; d < k; d++) s += e[r, i * k + d] * (double)e[r, j * k + d];
                    Assert.Equal(s, inner[r, p], 4);
                }
            var f = new double[k];
            for (int i = 0; i < m; i++)
                for (int d = 0; d < k; d++) f[d] += e[r, i * k + d];
            p = 0;
            for (int a = 0; a < k; a++)
                for (int c = a; c < k; c++, p++) Assert.Equal(f[a] * f[c], outer[r, p], 4);
        }
    }

    [Fact]
    public void InnerProductMatchesFiniteDifferences()
    {
        var rng = new Rng(22);
        GradientCheck.CheckLayer(new InnerProduct(4, 3), GradientCheck.Random(5, 12, rng), rng, "inner-product");
    }

    [Fact]
    public void OuterProductMatchesFiniteDifferences()
    {
        var rng = new Rng(23);
        GradientCheck.CheckLayer(new OuterProduct(4, 3), GradientCheck.Random(5, 12, rng), rng, "outer-product");
    }

    [Theory]
    [InlineData(ProductKind.Inner)]
    [InlineData(ProductKind.Outer)]
    [InlineData(ProductKind.Both)]
    public void ProductLayerMatchesFiniteDifferences(ProductKind kind)
    {
        var rng = new Rng(24);
        GradientCheck.CheckLayer(new ProductLayer(4, 3, kind), GradientCheck.Random(5, 12, rng), rng, $"product-{kind}");
    }

    [Fact]
    public void BackwardAllocatesNothingInSteadyState()
    {
        var rng = new Rng(25);
        var layer = new ProductLayer(6, 4, ProductKind.Both);
        var x = GradientCheck.Random(32, 24, rng);
        var g = GradientCheck.Random(32, layer.Outputs, rng);
        var ws = new Workspace(isTraining: true);
        layer.Forward(x, ws);
        layer.Backward(g, ws);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            layer.Forward(x, ws);
            layer.Backward(g, ws);
        }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
