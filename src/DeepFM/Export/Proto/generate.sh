#!/usr/bin/env bash
# Regenerates OnnxSubset.g.cs from onnx_subset.proto with the protoc that the Google.Protobuf.Tools package ships
# (same version as the Google.Protobuf runtime pinned in Directory.Packages.props). The output is committed, so a
# normal build needs neither protoc nor this script.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version=3.36.2
tools="${NUGET_PACKAGES:-$HOME/.nuget/packages}/google.protobuf.tools/$version/tools"
if [ ! -d "$tools" ]; then
  # Restore the package once through a throw-away project, the ordinary way NuGet fetches it.
  tmp="$(mktemp -d)"
  printf '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup><ItemGroup><PackageReference Include="Google.Protobuf.Tools" Version="%s" /></ItemGroup></Project>' "$version" > "$tmp/p.csproj"
  dotnet restore "$tmp/p.csproj" >/dev/null
  rm -rf "$tmp"
fi
case "$(uname -m)" in
  aarch64|arm64) arch=linux_aarch64 ;;
  *) arch=linux_x64 ;;
esac
protoc="$tools/$arch/protoc"
chmod +x "$protoc"
"$protoc" --proto_path="$here" --csharp_out="$here" --csharp_opt=file_extension=.g.cs,internal_access "$here/onnx_subset.proto"
echo "wrote $here/OnnxSubset.g.cs"
