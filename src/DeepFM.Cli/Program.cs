return DeepFM.Cli.CliApp.Run(args);
