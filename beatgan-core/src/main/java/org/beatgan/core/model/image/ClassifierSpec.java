package org.beatgan.core.model.image;

import java.util.List;

/**
 * An image classifier's architecture as a list of layers (the one place it is written), built
 * into a SameDiff graph by {@link ImageClassifierGraph}. Every layer's output has a stable name.
 *
 * @param name   what the architecture is called ("DeepNN", "LightNN")
 * @param layers in order, from the image to the logits
 */
public record ClassifierSpec(String name, List<Layer> layers) {

    /** One layer; {@code output} names its activation in the graph. */
    public sealed interface Layer permits Conv, MaxPool, Flatten, Linear, Dropout {
        String output();
    }

    /** Conv2d(k x k, stride 1, padding (k - 1) / 2) with bias, then ReLU. */
    public record Conv(String output, int channels, int kernel) implements Layer {
    }

    /** MaxPool2d(size, stride size). */
    public record MaxPool(String output, int size) implements Layer {
    }

    /** Flatten (C, H, W) in C order, as torch.flatten(x, 1). */
    public record Flatten(String output) implements Layer {
    }

    /** Linear with bias, then ReLU unless it is the last layer (the logits). */
    public record Linear(String output, int units, boolean relu) implements Layer {
    }

    /** Dropout(p) in training mode (a mask the trainer feeds), identity in inference mode. */
    public record Dropout(String output, double p) implements Layer {
        public Dropout {
            if (!(p >= 0 && p < 1)) {
                throw new IllegalArgumentException("dropout p = " + p + ", expected a value in [0, 1)");
            }
        }
    }

    /**
     * The PyTorch knowledge-distillation tutorial's teacher: Conv(->128)-ReLU-Conv(->64)-ReLU-MaxPool2-
     * Conv(->64)-ReLU-Conv(->32)-ReLU-MaxPool2, flatten, Linear(->512)-ReLU-Dropout(0.1)-Linear(->classes).
     */
    public static ClassifierSpec deepNN(int classes) {
        return new ClassifierSpec("DeepNN", List.of(
                new Conv("conv1", 128, 3), new Conv("conv2", 64, 3), new MaxPool("pool1", 2),
                new Conv("conv3", 64, 3), new Conv("conv4", 32, 3), new MaxPool("pool2", 2),
                new Flatten("flat"), new Linear("fc1", 512, true), new Dropout("drop1", 0.1),
                new Linear("logits", classes, false)));
    }

    /** The tutorial's student: Conv(->16)-ReLU-MaxPool2-Conv(->16)-ReLU-MaxPool2, flatten, Linear(->256)-ReLU-Dropout(0.1)-Linear. */
    public static ClassifierSpec lightNN(int classes) {
        return new ClassifierSpec("LightNN", List.of(
                new Conv("conv1", 16, 3), new MaxPool("pool1", 2),
                new Conv("conv2", 16, 3), new MaxPool("pool2", 2),
                new Flatten("flat"), new Linear("fc1", 256, true), new Dropout("drop1", 0.1),
                new Linear("logits", classes, false)));
    }
}
