using System.Runtime.InteropServices;

namespace DeepFM.Distributed;

/// <summary>
/// The handful of Open MPI entry points data-parallel training needs, resolved at run time from <c>libmpi.so.40</c>
/// (Debian's <c>libopenmpi3</c>). Open MPI's handles are not integers as in MPICH or Microsoft MPI (which is why
/// MPI.NET does not work with it): <c>MPI_COMM_WORLD</c>, <c>MPI_FLOAT</c>, <c>MPI_SUM</c>, <c>MPI_ERRORS_RETURN</c>
/// are the addresses of exported objects (<c>ompi_mpi_comm_world</c>, <c>ompi_mpi_float</c>, <c>ompi_mpi_op_sum</c>,
/// <c>ompi_mpi_errors_return</c>), so each is taken with <see cref="NativeLibrary.GetExport"/>, and the functions are
/// called through unmanaged function pointers from the same handle: nothing is bound until the library is asked for.
/// </summary>
internal sealed unsafe class MpiLibrary
{
    /// <summary>The shared object of Open MPI 4.x.</summary>
    public const string LibraryName = "libmpi.so.40";

    /// <summary>Open MPI's <c>MPI_IN_PLACE</c>: <c>(void*)1</c>.</summary>
    public static readonly nint InPlace = 1;

    /// <summary>Open MPI's <c>MPI_THREAD_SERIALIZED</c>.</summary>
    public const int ThreadSerialized = 2;

    /// <summary>Open MPI's <c>MPI_MAX_ERROR_STRING</c>.</summary>
    private const int MaxErrorString = 256;

    private static readonly Lock Gate = new();
    private static MpiLibrary? _loaded;

    public nint CommWorld, Float, Double, Int, LongLong, Byte, OpSum, OpMax, ErrorsReturn;
    public delegate* unmanaged<int*, nint*, int, int*, int> InitThread;
    public delegate* unmanaged<int*, int> Initialized;
    public delegate* unmanaged<int*, int> Finalized;
    public delegate* unmanaged<int> Finalize;
    public delegate* unmanaged<nint, int*, int> CommRank;
    public delegate* unmanaged<nint, int*, int> CommSize;
    public delegate* unmanaged<nint, nint, int> CommSetErrhandler;
    public delegate* unmanaged<nint, nint, int, nint, nint, nint, int> Allreduce;
    public delegate* unmanaged<nint, int, nint, nint, int, nint, nint, int> Allgather;
    public delegate* unmanaged<nint, int, nint, nint, int*, int*, nint, nint, int> Allgatherv;
    public delegate* unmanaged<nint, int, nint, int, nint, int> Bcast;
    public delegate* unmanaged<nint, int> Barrier;
    public delegate* unmanaged<nint, int, int> Abort;
    private delegate* unmanaged<int, byte*, int*, int> _errorString;

    /// <summary>Loads the library once per process (MPI itself is per process: one initialisation, one world).</summary>
    /// <exception cref="UserInputException">libmpi is not installed or is not Open MPI 4.x.</exception>
    public static MpiLibrary Load()
    {
        lock (Gate)
        {
            return _loaded ??= new MpiLibrary(Open());
        }
    }

    private static nint Open()
    {
        try
        {
            return NativeLibrary.Load(LibraryName);
        }
        catch (DllNotFoundException e)
        {
            throw new UserInputException($"--distributed mpi needs Open MPI's {LibraryName}, which could not be loaded ({e.Message.Split('\n')[0]}). " +
                "Install it (Debian/Ubuntu: apt-get install openmpi-bin) and start the ranks with mpirun.", e);
        }
    }

    private MpiLibrary(nint lib)
    {
        nint Export(string name)
        {
            if (NativeLibrary.TryGetExport(lib, name, out nint address)) return address;
            throw new UserInputException($"{LibraryName} has no symbol {name}: --distributed mpi needs Open MPI 4.x (Debian's libopenmpi3), not another MPI.");
        }

        CommWorld = Export("ompi_mpi_comm_world");
        Float = Export("ompi_mpi_float");
        Double = Export("ompi_mpi_double");
        Int = Export("ompi_mpi_int");
        LongLong = Export("ompi_mpi_long_long_int");
        Byte = Export("ompi_mpi_byte");
        OpSum = Export("ompi_mpi_op_sum");
        OpMax = Export("ompi_mpi_op_max");
        ErrorsReturn = Export("ompi_mpi_errors_return");
        InitThread = (delegate* unmanaged<int*, nint*, int, int*, int>)Export("MPI_Init_thread");
        Initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized");
        Finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        CommSetErrhandler = (delegate* unmanaged<nint, nint, int>)Export("MPI_Comm_set_errhandler");
        Allreduce = (delegate* unmanaged<nint, nint, int, nint, nint, nint, int>)Export("MPI_Allreduce");
        Allgather = (delegate* unmanaged<nint, int, nint, nint, int, nint, nint, int>)Export("MPI_Allgather");
        Allgatherv = (delegate* unmanaged<nint, int, nint, nint, int*, int*, nint, nint, int>)Export("MPI_Allgatherv");
        Bcast = (delegate* unmanaged<nint, int, nint, int, nint, int>)Export("MPI_Bcast");
        Barrier = (delegate* unmanaged<nint, int>)Export("MPI_Barrier");
        Abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        _errorString = (delegate* unmanaged<int, byte*, int*, int>)Export("MPI_Error_string");
    }

    /// <summary>Throws <see cref="MpiException"/> for a non-zero return code of <paramref name="call"/>.</summary>
    public void Check(int code, string call)
    {
        if (code != 0) throw new MpiException(call, code, ErrorText(code));
    }

    private string ErrorText(int code)
    {
        byte* text = stackalloc byte[MaxErrorString + 1];
        int length = 0;
        if (_errorString(code, text, &length) != 0) return $"error {code}";
        return System.Text.Encoding.ASCII.GetString(text, Math.Clamp(length, 0, MaxErrorString));
    }
}
