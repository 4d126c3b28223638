package org.beatgan.experiments;

import org.beatgan.core.io.ModelBundle;
import org.beatgan.core.io.PyTorchWeights;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraph.Network;
import org.beatgan.core.model.BeatGanGraphBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./beatgan import-pytorch}: a PyTorch BeatGAN's weights (one .npy per state_dict tensor) as a model.zip. */
@Command(name = "import-pytorch", mixinStandardHelpOptions = true,
        description = {"Turn a PyTorch BeatGAN's weights, saved as one .npy per state_dict tensor (<prefix><key>.npy, "
                + "e.g. netG.encoder1.main.0.weight.npy), into a model.zip usable as --teacher or --model. "
                + "Layouts are converted (Conv1d (out, in, k), ConvTranspose1d (in, out, k)); every tensor must be "
                + "present with the architecture's shape.",
                "In PyTorch: for k, v in G.state_dict().items(): numpy.save(f'w/G.{k}.npy', v.cpu().numpy())",
                "Example: ./beatgan import-pytorch --weights w --naming beatgan --out runs/imported/model.zip"})
public final class ImportPyTorchCommand implements Callable<Integer> {

    @Option(names = "--weights", required = true, paramLabel = "DIR", description = "Folder of the .npy tensors.")
    Path weights;

    @Option(names = "--naming", defaultValue = "beatgan", paramLabel = "N",
            description = "beatgan (BeatGAN's network.py: encoder1.main.N, decoder.main.N, features.N, classifier.0) "
                    + "or reference (shared/bench/torch-reference/beatgan.py: encoder.blocks.i.j). Default: ${DEFAULT-VALUE}.")
    String naming;

    @Option(names = "--g-prefix", defaultValue = "G.", paramLabel = "P", description = "File prefix of G's tensors (default: ${DEFAULT-VALUE}).")
    String gPrefix;

    @Option(names = "--d-prefix", defaultValue = "D.", paramLabel = "P",
            description = "File prefix of D's tensors (default: ${DEFAULT-VALUE}); with --no-discriminator D stays freshly initialised.")
    String dPrefix;

    @Option(names = "--no-discriminator", description = "Import G only (a teacher or a scorer needs no D).")
    boolean noDiscriminator;

    @Option(names = "--nc", defaultValue = "1", paramLabel = "C",
            description = "ECG leads of the PyTorch model (default: ${DEFAULT-VALUE}).") int nc;
    @Option(names = "--nz", defaultValue = "50", paramLabel = "Z",
            description = "Latent width (default: ${DEFAULT-VALUE}).") int nz;
    @Option(names = "--ngf", defaultValue = "32", paramLabel = "N",
            description = "Generator decoder width (default: ${DEFAULT-VALUE}).") int ngf;
    @Option(names = "--ndf", defaultValue = "32", paramLabel = "N",
            description = "Encoder and discriminator width (default: ${DEFAULT-VALUE}).") int ndf;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The model.zip to write.")
    Path out;

    @Override
    public Integer call() throws Exception {
        PyTorchWeights.Naming n = switch (naming.toLowerCase()) {
            case "beatgan" -> PyTorchWeights.Naming.BEATGAN;
            case "reference" -> PyTorchWeights.Naming.REFERENCE;
            default -> throw new IllegalArgumentException("--naming = '" + naming + "', expected beatgan or reference");
        };
        BeatGanGraph graph = BeatGanGraphBuilder.build(BeatGanConfig.of(nc, nz, ngf, ndf), 0);
        PyTorchWeights.load(graph, Network.G, weights, gPrefix, n);
        if (!noDiscriminator) {
            PyTorchWeights.load(graph, Network.D, weights, dPrefix, n);
        }
        if (out.toAbsolutePath().getParent() != null) {
            java.nio.file.Files.createDirectories(out.toAbsolutePath().getParent());
        }
        ModelBundle.save(graph, out);
        System.out.println("{\"out\":\"" + out.toAbsolutePath() + "\",\"params\":{\"G\":" + graph.parameterCount(Network.G)
                + ",\"D\":" + graph.parameterCount(Network.D) + "}}");
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new ImportPyTorchCommand(), args));
    }
}
