package org.beatgan.experiments;

import org.beatgan.core.io.Json;
import org.beatgan.core.io.PretrainedModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/** {@code ./beatgan models}: the pretrained models shipped with the toolkit. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"List the models shipped with the toolkit, usable by name wherever a model file is accepted "
                + "(--teacher pretrained:NAME, --model pretrained:NAME, distill.teacher: pretrained:NAME).",
                "Example: ./beatgan models --show beatgan-mitdb-fold0"})
public final class ModelsCommand implements Callable<Integer> {

    @Option(names = "--show", paramLabel = "NAME",
            description = "Print one model's metrics.json and the command that trained it.")
    String show;

    @Override
    public Integer call() throws Exception {
        if (show != null) {
            PretrainedModels.Entry e = PretrainedModels.find(show);
            System.out.println(PretrainedModels.SCHEME + e.name() + ": " + e.description());
            System.out.println("command: " + new String(PretrainedModels.file(e.name(), "command.txt"),
                    StandardCharsets.UTF_8).strip());
            System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(e.metrics()));
            return 0;
        }
        for (PretrainedModels.Entry e : PretrainedModels.list()) {
            System.out.println(Json.COMPACT.writeValueAsString(PretrainedModels.summary(e)));
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new ModelsCommand(), args));
    }
}
