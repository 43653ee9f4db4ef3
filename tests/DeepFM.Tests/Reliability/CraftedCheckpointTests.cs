using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeepFM.Serialization;

namespace DeepFM.Tests.Reliability;

/// <summary>
/// Checkpoints whose SHA-256 was made to match a crafted JSON header, as the checkpoint fuzz target crafts them:
/// refused naming the file, not a <see cref="NullReferenceException"/> (found by fuzzing: a null optimizer name).
/// </summary>
public sealed class CraftedCheckpointTests(CorruptionSamples samples) : IClassFixture<CorruptionSamples>
{
    private string Crafted(string name, Action<JsonObject> edit)
    {
        byte[] good = File.ReadAllBytes(samples.Checkpoint);
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
    [InlineData("state.optimizer")]
    [InlineData("state")]
    [InlineData("options")]
    [InlineData("data")]
    public void NulledHeaderPartsAreRefused(string key)
    {
        string path = Crafted(key + Checkpoint.Extension, json =>
        {
            var (parent, leaf) = key.Contains('.') ? (json[key.Split('.')[0]]!.AsObject(), key.Split('.')[1]) : (json, key);
            Assert.True(parent.ContainsKey(leaf), $"header has no {key}: {json.ToJsonString()}");
            parent[leaf] = null;
        });
        var e = Assert.Throws<UserInputException>(() => Checkpoint.Load(path));
        Assert.Contains(Path.GetFileName(path) + ": not a valid DeepFM checkpoint", e.Message);
    }

    [Fact]
    public void AnUneditedResealedCheckpointStillLoads() => Assert.NotNull(Checkpoint.Load(Crafted("same" + Checkpoint.Extension, _ => { })));
}
