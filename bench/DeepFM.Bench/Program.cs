using DeepFM.Bench;

if (args.Length > 0 && args[0] == "gemm") return GemmBench.Run(args[1..]);
if (args.Length > 0 && args[0] == "pipeline") return PipelineBench.Run(args[1..]);
if (args.Length > 0 && args[0] == "prepare") return PrepareBench.Run(args[1..]);
if (args.Length > 0 && args[0] == "scaling") return ScalingBench.Run(args[1..]);
if (args.Length > 0 && args[0] == "step") return StepBench.Run(args[1..]);
if (args.Length > 0 && args[0] == "serve") return ServeBench.Run(args[1..]);
if (args.Length > 0 && args[0] == "serve-memory") return ServeMemoryBench.Run(args[1..]);
if (args.Length > 0 && args[0] == "distributed") return DistributedBench.Run(args[1..]);
Console.WriteLine("usage: DeepFM.Bench gemm [--threads 1|2] [--reps N] [--kernels] [--no-torch]");
Console.WriteLine("       DeepFM.Bench serve [--rate 1000] [--seconds 10] [--batch-rows 1000] [--batch-seconds 5] [--workers N]");
Console.WriteLine("       DeepFM.Bench serve-memory [--rows 1500000] [--workers 1,8] [--seconds 4] [--cli PATH/DeepFM.Cli.dll]");
Console.WriteLine("       DeepFM.Bench prepare --file TSV [--reps 5] [--min-count 10] [--stages lines,parse,pass1,encode,prepare] [--cache PATH]");
Console.WriteLine("       mpirun -np 2 DeepFM.Bench distributed [--reps 30] [--batch 4096 (per rank)] [--features 58763] [--embedding-update lazy|dense] [--exchange auto|rows|wholetable]");
Console.WriteLine("       DeepFM.Bench step [--reps 30] [--batch 4096] [--dropout 0.5] [--batch-norm]");
Console.WriteLine("       DeepFM.Bench scaling [--models lr,fm,deepfm] [--reps 3] [--rows 1000000]   (after pipeline: uses its data)");
Console.WriteLine("       DeepFM.Bench pipeline [--rows N] [--epochs N] [--models lr,fm,deepfm] [--no-torch] [--dir DIR] [--block-shuffle ROWS]");
return args.Length == 0 ? 0 : 2;
