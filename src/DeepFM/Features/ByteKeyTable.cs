using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace DeepFM.Features;

/// <summary>
/// Open-addressing hash table from a byte string to an int, for counting and looking up raw UTF-8 values without
/// decoding them. Keys of up to 8 bytes are stored packed in a ulong (NUL-free input makes the packing unique per
/// length); longer keys are stored in an arena and found by their XxHash3 with a byte comparison. Entries are numbered
/// in insertion order.
/// </summary>
internal sealed class ByteKeyTable
{
    private struct Slot
    {
        public ulong Key;   // packed bytes (length ≤ 8) or hash of the bytes
        public int Len1;    // length + 1; 0 = empty slot
        public int Value;
        public int Off;     // arena offset (length > 8)
        public int Index;   // insertion number
    }

    private Slot[] _slots;
    private int _shift, _mask;
    private byte[] _arena = [];
    private int _arenaUsed;

    public ByteKeyTable(int capacity = 16)
    {
        int size = 16;
        while (size < capacity * 2) size <<= 1;
        _slots = new Slot[size];
        _mask = size - 1;
        _shift = 64 - BitOperations.Log2((uint)size);
    }

    /// <summary>Number of keys.</summary>
    public int Count { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Pack(ReadOnlySpan<byte> key)
    {
        if (key.Length == 8) return MemoryMarshal.Read<ulong>(key);
        ulong v = 0;
        key.CopyTo(MemoryMarshal.AsBytes(new Span<ulong>(ref v)));
        return v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong KeyOf(ReadOnlySpan<byte> key) => key.Length <= 8 ? Pack(key) : XxHash3.HashToUInt64(key);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Home(ulong k, int len) => (int)(((k ^ (ulong)len) * 0x9E3779B97F4A7C15UL) >> _shift);

    /// <summary>The value stored for <paramref name="key"/>, added with value 0 when absent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref int GetOrAdd(ReadOnlySpan<byte> key) => ref FindOrAdd(key).Value;

    /// <summary>
    /// Adds <paramref name="increment"/> (0 to insert without counting) to the value of <paramref name="key"/>, added
    /// with value 0 when absent, and returns the key's insertion number.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Add(ReadOnlySpan<byte> key, int increment)
    {
        ref Slot s = ref FindOrAdd(key);
        s.Value += increment;
        return s.Index;
    }

    /// <summary>
    /// Hashes <paramref name="key"/> and starts loading its home slot into the cache; pass both results to
    /// <see cref="Add(ReadOnlySpan{byte}, int, ulong, int)"/> before the table next changes. Lets a caller overlap the
    /// cache misses of several tables instead of waiting for each in turn.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe int Prefetch(ReadOnlySpan<byte> key, out ulong hash)
    {
        hash = KeyOf(key);
        int i = Home(hash, key.Length);
        // A prefetch never faults, so an address the GC has since moved is merely wasted.
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref _slots[i]));
        return i;
    }

    /// <summary>As <see cref="Add(ReadOnlySpan{byte}, int)"/>, with the home and hash <see cref="Prefetch"/> returned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Add(ReadOnlySpan<byte> key, int increment, ulong hash, int home)
    {
        ref Slot s = ref FindOrAdd(key, hash, home);
        s.Value += increment;
        return s.Index;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref Slot FindOrAdd(ReadOnlySpan<byte> key)
    {
        ulong k = KeyOf(key);
        return ref FindOrAdd(key, k, Home(k, key.Length));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref Slot FindOrAdd(ReadOnlySpan<byte> key, ulong k, int i)
    {
        int len1 = key.Length + 1;
        var slots = _slots;
        while (true)
        {
            ref Slot s = ref slots[i];
            if (s.Len1 == len1 && s.Key == k && (len1 <= 9 || _arena.AsSpan(s.Off, key.Length).SequenceEqual(key)))
                return ref s;
            if (s.Len1 == 0) return ref Insert(key, k, i);
            i = (i + 1) & _mask;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ref Slot Insert(ReadOnlySpan<byte> key, ulong k, int i)
    {
        if ((Count + 1) * 2 > _slots.Length)
        {
            Grow();
            i = Home(k, key.Length);
            while (_slots[i].Len1 != 0) i = (i + 1) & _mask;
        }
        ref Slot s = ref _slots[i];
        s.Key = k;
        s.Len1 = key.Length + 1;
        s.Index = Count++;
        if (key.Length > 8)
        {
            if (_arenaUsed + key.Length > _arena.Length) Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _arenaUsed + key.Length + 1024));
            key.CopyTo(_arena.AsSpan(_arenaUsed));
            s.Off = _arenaUsed;
            _arenaUsed += key.Length;
        }
        return ref s;
    }

    private void Grow()
    {
        var old = _slots;
        _slots = new Slot[old.Length * 2];
        _mask = _slots.Length - 1;
        _shift--;
        foreach (var s in old)
        {
            if (s.Len1 == 0) continue;
            int i = Home(s.Key, s.Len1 - 1);
            while (_slots[i].Len1 != 0) i = (i + 1) & _mask;
            _slots[i] = s;
        }
    }

    /// <summary>True with the stored value when <paramref name="key"/> is present.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetValue(ReadOnlySpan<byte> key, out int value)
    {
        ulong k = KeyOf(key);
        int len1 = key.Length + 1;
        var slots = _slots;
        int i = Home(k, key.Length);
        while (true)
        {
            ref Slot s = ref slots[i];
            if (s.Len1 == len1 && s.Key == k && (len1 <= 9 || _arena.AsSpan(s.Off, key.Length).SequenceEqual(key)))
            {
                value = s.Value;
                return true;
            }
            if (s.Len1 == 0) { value = 0; return false; }
            i = (i + 1) & _mask;
        }
    }

    /// <summary>Calls <paramref name="visit"/> with each key's bytes, value and insertion number (in slot order).</summary>
    public void ForEach<TState>(ref TState state, EntryVisitor<TState> visit)
    {
        var buf = new byte[8];
        foreach (ref readonly Slot s in _slots.AsSpan())
        {
            if (s.Len1 == 0) continue;
            int len = s.Len1 - 1;
            ReadOnlySpan<byte> key;
            if (len <= 8)
            {
                MemoryMarshal.Write(buf, in s.Key);
                key = buf.AsSpan(0, len);
            }
            else
            {
                key = _arena.AsSpan(s.Off, len);
            }
            visit(ref state, key, s.Value, s.Index);
        }
    }

    public delegate void EntryVisitor<TState>(ref TState state, scoped ReadOnlySpan<byte> key, int value, int index);
}
