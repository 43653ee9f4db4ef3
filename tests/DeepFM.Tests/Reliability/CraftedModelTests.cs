using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeepFM.Serialization;

namespace DeepFM.Tests.Reliability;

/// <summary>
/// Model files whose SHA-256 was made to match a crafted JSON header (the checksum finds damage, it is no signature),
/// as the model fuzz target crafts them: refused with a <see cref="UserInputException"/> naming the file, not a
/// <see cref="NullReferenceException"/> from the model builder (found by fuzzing: fuzz/, target model).
/// </summary>
public sealed class CraftedModelTests(CorruptionSamples samples) : IClassFixture<CorruptionSamples>
{
    /// <summary>The sample model with its header JSON edited by <paramref name="edit"/> and the checksum recomputed.</summary>
    private string Crafted(string name, Action<JsonObject> edit)
    {
        byte[] good = File.ReadAllBytes(samples.Model);
        using var r = new BinaryReader(new MemoryStream(good), Encoding.UTF8);
        byte[] lead = r.ReadBytes(12);
        var json = JsonNode.Parse(r.ReadString())!.AsObject();
        byte[] rest = r.ReadBytes(good.Length - 32 - (int)r.BaseStream.Position);
        edit(json);
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(lead);
            w.Write(json.ToJsonString());
            w.Write(rest);
        }
        byte[] body = ms.ToArray();
        return samples.Scratch.WriteBytes(name, [.. body, .. SHA256.HashData(body)]);
    }

    [Theory]
    [InlineData("config", null)]
    [InlineData("metadata", null)]
    [InlineData("config.model", null)]
    [InlineData("config.hidden", null)]
    [InlineData("config.activation", 99)]
    [InlineData("config.embeddingUpdate", -1)]
    public void IncompleteOrImpossibleHeadersAreRefused(string key, int? value)
    {
        string path = Crafted(key + ".dfm", json =>
        {
            var (parent, leaf) = key.Contains('.') ? (json[key.Split('.')[0]]!.AsObject(), key.Split('.')[1]) : (json, key);
            Assert.True(parent.ContainsKey(leaf), $"header has no {key}: {json.ToJsonString()}");
            parent[leaf] = value is null ? null : JsonValue.Create(value.Value);
        });
        var e = Assert.Throws<UserInputException>(() => ModelFile.Load(path));
        Assert.Contains(Path.GetFileName(path) + ": not a valid DeepFM model file", e.Message);
    }

    [Fact]
    public void AnUneditedResealedModelStillLoads() => Assert.NotNull(ModelFile.Load(Crafted("same.dfm", _ => { })));
}
