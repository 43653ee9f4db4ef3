using DeepFM.Models;

namespace DeepFM.Tests.Models;

public class ModelRegistryTests
{
    [Fact]
    public void NamesAreTheCanonicalListInThePapersTableOrder() =>
        Assert.Equal(["lr", "fm", "fnn", "ipnn", "opnn", "pnn", "widedeep", "fmdnn", "deepfm", "nfm", "dcn", "dcnv2", "afm", "finalmlp", "autoint", "xdeepfm", "fibinet"], ModelRegistry.Names);

    [Theory]
    [InlineData("lr&dnn", "widedeep")]
    [InlineData("LRDNN", "widedeep")]
    [InlineData("fm&dnn", "fmdnn")]
    [InlineData("PNN*", "pnn")]
    [InlineData("AutoInt+", "autoint")]
    [InlineData("DeepFM", "deepfm")]
    public void AliasesResolveToRegisteredNames(string alias, string canonical)
    {
        Assert.True(ModelRegistry.Contains(alias));
        Assert.Equal(canonical, ModelRegistry.Canonical(alias));
        Assert.Equal(ModelRegistry.Describe(canonical), ModelRegistry.Describe(alias));
        var model = ModelRegistry.Create(new ModelConfig { Model = alias, Hidden = [4] }, ModelGradientCheck.Space);
        Assert.Equal(ModelRegistry.Create(new ModelConfig { Model = canonical, Hidden = [4] }, ModelGradientCheck.Space).GetType(), model.GetType());
    }

    [Fact]
    public void UnknownNamesAreRejected()
    {
        Assert.False(ModelRegistry.Contains("xgboost"));
        Assert.Throws<UserInputException>(() => ModelRegistry.Create(new ModelConfig { Model = "xgboost" }, ModelGradientCheck.Space));
    }
}
