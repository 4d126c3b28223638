package org.beatgan.core.model.image;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The tutorial's DeepNN and LightNN: parameter counts, named activations, loss and dropout. */
class ImageClassifierGraphTest {

    @Test
    void parameterCountsAtBothInputShapes() {
        assertEquals(1_186_986, ImageClassifierGraph.build(ClassifierSpec.deepNN(10), 3, 32, 32, DataType.FLOAT, 0).parameterCount());
        assertEquals(267_738, ImageClassifierGraph.build(ClassifierSpec.lightNN(10), 3, 32, 32, DataType.FLOAT, 0).parameterCount());
        // 1 x 28 x 28: 28 -> 14 -> 7 after the two pools; flattened 32*49 = 1568 and 16*49 = 784
        long deep = 1 * 128 * 9 + 128 + 128 * 64 * 9 + 64 + 64 * 64 * 9 + 64 + 64 * 32 * 9 + 32 + 1568 * 512 + 512 + 512 * 10 + 10;
        long light = 16 * 9 + 16 + 16 * 16 * 9 + 16 + 784 * 256 + 256 + 256 * 10 + 10;
        assertEquals(deep, ImageClassifierGraph.build(ClassifierSpec.deepNN(10), 1, 28, 28, DataType.FLOAT, 0).parameterCount());
        assertEquals(light, ImageClassifierGraph.build(ClassifierSpec.lightNN(10), 1, 28, 28, DataType.FLOAT, 0).parameterCount());
    }

    @Test
    void everyNamedActivationHasItsDeclaredShape() {
        ImageClassifierGraph g = ImageClassifierGraph.build(ClassifierSpec.lightNN(10), 3, 32, 32, DataType.FLOAT, 1);
        Map<String, long[]> shapes = g.activationShapes();
        assertArrayEquals(new long[]{16, 32, 32}, shapes.get("conv1"));
        assertArrayEquals(new long[]{16, 8, 8}, shapes.get("pool2"));
        assertArrayEquals(new long[]{1024}, shapes.get("flat"));
        assertArrayEquals(new long[]{10}, shapes.get("logits"));
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 3, 32, 32);
        Map<String, INDArray> acts = g.activations(x, shapes.keySet().toArray(String[]::new));
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long[] expected = new long[e.getValue().length + 1];
            expected[0] = 5;
            System.arraycopy(e.getValue(), 0, expected, 1, e.getValue().length);
            assertArrayEquals(expected, acts.get(e.getKey()).shape(), e.getKey());
        }
        ImageClassifierGraph deep = ImageClassifierGraph.build(ClassifierSpec.deepNN(10), 1, 28, 28, DataType.FLOAT, 1);
        assertArrayEquals(new long[]{32, 7, 7}, deep.activationShapes().get("pool2"));
        assertArrayEquals(new long[]{1568}, deep.activationShapes().get("flat"));
    }

    @Test
    void lossIsSoftmaxCrossEntropyAndDropoutMasksAreInvertedAndSeeded() {
        ImageClassifierGraph g = ImageClassifierGraph.build(ClassifierSpec.lightNN(4), 1, 12, 12, DataType.DOUBLE, 2);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 1, 12, 12);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 3, 4);
        y.putScalar(0, 1, 1);
        y.putScalar(1, 3, 1);
        y.putScalar(2, 0, 1);
        Map<String, INDArray> feed = new java.util.HashMap<>(g.dropoutMasks(3, false, new SplittableRandom(0)));
        feed.put(ImageClassifierGraph.INPUT, x);
        feed.put(ImageClassifierGraph.LABELS, y);
        Map<String, INDArray> out = g.sameDiff().output(feed, "logits", ImageClassifierGraph.LOSS);
        INDArray z = out.get("logits");
        double expected = 0;
        int[] label = {1, 3, 0};
        for (int i = 0; i < 3; i++) {
            double[] row = z.getRow(i).toDoubleVector();
            double max = java.util.Arrays.stream(row).max().orElseThrow();
            double sum = 0;
            for (double v : row) sum += Math.exp(v - max);
            expected += max + Math.log(sum) - row[label[i]];
        }
        assertEquals(expected / 3, out.get(ImageClassifierGraph.LOSS).getDouble(0), 1e-12);

        INDArray mask = g.dropoutMasks(200, true, new SplittableRandom(5)).get("drop1/mask");
        assertArrayEquals(new long[]{200, 256}, mask.shape());
        double kept = mask.gt(0).castTo(DataType.DOUBLE).meanNumber().doubleValue();
        assertEquals(0.9, kept, 0.01, "p = 0.1");
        assertEquals(1 / 0.9, mask.maxNumber().doubleValue(), 1e-12, "inverted dropout scales the kept units");
        assertEquals(mask, g.dropoutMasks(200, true, new SplittableRandom(5)).get("drop1/mask"), "seeded");
        assertThrows(IllegalArgumentException.class, () -> new ClassifierSpec.Dropout("d", 1.0));
        assertThrows(IllegalArgumentException.class,
                () -> ImageClassifierGraph.build(ClassifierSpec.deepNN(10), 1, 2, 2, DataType.FLOAT, 0));
    }
}
