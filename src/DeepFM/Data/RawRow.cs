using System.Text.Unicode;

namespace DeepFM.Data;

/// <summary>
/// One parsed line before encoding: the label and, per field, a categorical key (raw UTF-8 bytes, validated, in a shared
/// byte buffer), a number, a missing flag and a value (1 unless the format carries one). Reused for every line.
/// </summary>
internal sealed class RawRow
{
    public RawRow(int fieldCount)
    {
        FieldCount = fieldCount;
        Missing = new bool[fieldCount];
        Number = new double[fieldCount];
        Value = new float[fieldCount];
        KeyStart = new int[fieldCount];
        KeyLength = new int[fieldCount];
    }

    public readonly int FieldCount;
    public float Label;
    public readonly bool[] Missing;
    public readonly double[] Number;
    public readonly float[] Value;
    public readonly int[] KeyStart;
    public readonly int[] KeyLength;
    public byte[] Bytes = new byte[256];
    public int ByteCount;

    /// <summary>True when the line is ASCII, so every key is valid UTF-8 without checking.</summary>
    public bool Ascii;

    public void Reset(int lineLength)
    {
        if (Bytes.Length < lineLength) Bytes = new byte[Math.Max(lineLength, Bytes.Length * 2)];
        ByteCount = 0;
        Array.Fill(Missing, true);
        Array.Fill(Value, 1f);
        Array.Clear(KeyLength);
        Array.Clear(Number);
    }

    /// <summary>The categorical key of field <paramref name="f"/> as UTF-8 bytes (empty when missing).</summary>
    public ReadOnlySpan<byte> Key(int f) => Bytes.AsSpan(KeyStart[f], KeyLength[f]);

    /// <summary>Stores a categorical key; false when the bytes are not valid UTF-8.</summary>
    public bool SetKey(int f, ReadOnlySpan<byte> utf8)
    {
        Missing[f] = utf8.IsEmpty;
        KeyStart[f] = ByteCount;
        if (!Ascii && !Utf8.IsValid(utf8)) return false;
        utf8.CopyTo(Bytes.AsSpan(ByteCount));
        KeyLength[f] = utf8.Length;
        ByteCount += utf8.Length;
        return true;
    }

    public void SetNumber(int f, double x)
    {
        Missing[f] = false;
        Number[f] = x;
    }
}
