package org.beatgan.core.data.image;

import org.beatgan.core.io.DataLocations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** Fashion-MNIST (the real shipped files) and CIFAR-10 (files this test writes in the binary format). */
class ImageReadersTest {

    @Test
    void fashionMnistTestSetIsTheRealOne() throws IOException {
        ImageSet test = FashionMnistReader.read(DataLocations.fashionMnist(), false);
        assertEquals(10_000, test.count());
        assertEquals(1, test.channels());
        assertEquals(28, test.height());
        assertEquals(28, test.width());
        int[] perClass = new int[10];
        Arrays.fill(perClass, 1_000);
        assertArrayEquals(perClass, test.classCounts(), "1,000 test images per class");
        // the first test image is an ankle boot (class 9); pixels span 0..255
        assertEquals(9, test.labels()[0]);
        int max = 0;
        for (byte b : test.pixels()) max = Math.max(max, b & 0xff);
        assertEquals(255, max);
        ChannelNormalization n = ChannelNormalization.of(test);
        assertEquals(0.286, n.mean()[0], 0.01, "Fashion-MNIST's mean pixel");
        assertEquals(0.353, n.std()[0], 0.01);
        DataSet ds = n.apply(test.stratified(100, 1));
        assertArrayEquals(new long[]{100, 1, 28, 28}, ds.getFeatures().shape());
        assertEquals(0.0, ds.getFeatures().meanNumber().doubleValue(), 0.15);
        assertEquals(100, ds.getLabels().sumNumber().intValue(), "one-hot");
    }

    @Test
    void stratifiedSubsetsKeepEachClassShare() throws IOException {
        ImageSet test = FashionMnistReader.read(DataLocations.fashionMnist(), false);
        ImageSet sub = test.stratified(1_003, 7);
        assertEquals(1_003, sub.count());
        for (int c : sub.classCounts()) assertTrue(c == 100 || c == 101, Arrays.toString(sub.classCounts()));
        assertArrayEquals(sub.labels(), test.stratified(1_003, 7).labels(), "seeded");
        assertFalse(Arrays.equals(sub.pixels(), test.stratified(1_003, 8).pixels()), "another seed, other images");
        assertSame(test, test.stratified(0, 1));
    }

    @Test
    void truncatedOrForeignIdxFilesNameTheFile(@TempDir Path dir) throws IOException {
        Path src = DataLocations.fashionMnist();
        Files.copy(src.resolve("t10k-labels-idx1-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"));
        byte[] images = Files.readAllBytes(src.resolve("t10k-images-idx3-ubyte.gz"));
        Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), Arrays.copyOf(images, images.length / 2));
        IOException e = assertThrows(IOException.class, () -> FashionMnistReader.read(dir, false));
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte.gz"), e.getMessage());

        // a whole gzip whose IDX content ends early
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("t10k-images-idx3-ubyte.gz")))) {
            out.write(new byte[]{0, 0, 8, 3, 0, 0, 39, 16, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3});
        }
        e = assertThrows(IOException.class, () -> FashionMnistReader.read(dir, false));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("t10k-images"), e.getMessage());

        // labels where images are expected (magic 2049, not 2051)
        Files.copy(dir.resolve("t10k-labels-idx1-ubyte.gz"), dir.resolve("t10k-images-idx3-ubyte.gz"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        e = assertThrows(IOException.class, () -> FashionMnistReader.read(dir, false));
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte.gz"), e.getMessage());

        Files.delete(dir.resolve("t10k-labels-idx1-ubyte.gz"));
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> FashionMnistReader.read(dir, false));
        assertTrue(missing.getFile().contains("t10k-labels-idx1-ubyte"), missing.getFile());
    }

    /** Writes {@code n} CIFAR-10 records whose label is i % 10 and whose pixels encode (image, channel). */
    private static void writeCifar(Path file, int n, int offset) throws IOException {
        byte[] b = new byte[n * Cifar10BinaryReader.RECORD];
        for (int i = 0; i < n; i++) {
            int o = i * Cifar10BinaryReader.RECORD;
            b[o] = (byte) ((i + offset) % 10);
            for (int c = 0; c < 3; c++) {
                Arrays.fill(b, o + 1 + c * 1024, o + 1 + (c + 1) * 1024, (byte) (((i + offset) * 3 + c) % 256));
            }
        }
        Files.write(file, b);
    }

    @Test
    void cifarBinaryFilesReadInOrderWithChannelPlanes(@TempDir Path dir) throws IOException {
        for (int f = 0; f < 5; f++) writeCifar(dir.resolve(Cifar10BinaryReader.TRAIN_FILES.get(f)), 4, 4 * f);
        writeCifar(dir.resolve(Cifar10BinaryReader.TEST_FILE), 3, 100);
        ImageSet train = Cifar10BinaryReader.read(dir, true);
        assertEquals(20, train.count());
        assertEquals(3, train.channels());
        assertEquals(32, train.width());
        for (int i = 0; i < 20; i++) {
            assertEquals(i % 10, train.labels()[i]);
            for (int c = 0; c < 3; c++) {
                assertEquals((i * 3 + c) % 256, train.pixels()[i * 3072 + c * 1024 + 517] & 0xff, "image " + i + " channel " + c);
            }
        }
        ImageSet test = Cifar10BinaryReader.read(dir, false);
        assertEquals(3, test.count());
        assertEquals(0, test.labels()[0]);
        DataSet ds = ChannelNormalization.TUTORIAL.apply(test);
        assertArrayEquals(new long[]{3, 3, 32, 32}, ds.getFeatures().shape());
        // image 0: channel values 300 % 256 = 44, 45, 46
        assertEquals((44 / 255.0 - 0.485) / 0.229, ds.getFeatures().getDouble(0, 0, 5, 5), 1e-6);
        assertEquals((46 / 255.0 - 0.406) / 0.225, ds.getFeatures().getDouble(0, 2, 31, 0), 1e-6);
    }

    @Test
    void truncatedOrMissingCifarFilesAreRejected(@TempDir Path dir) throws IOException {
        for (int f = 0; f < 5; f++) writeCifar(dir.resolve(Cifar10BinaryReader.TRAIN_FILES.get(f)), 2, 0);
        byte[] b = Files.readAllBytes(dir.resolve("data_batch_3.bin"));
        Files.write(dir.resolve("data_batch_3.bin"), Arrays.copyOf(b, b.length - 100));
        IOException e = assertThrows(IOException.class, () -> Cifar10BinaryReader.read(dir, true));
        assertTrue(e.getMessage().contains("data_batch_3.bin") && e.getMessage().contains("3073"), e.getMessage());
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> Cifar10BinaryReader.read(dir, false));
        assertTrue(missing.getFile().endsWith("test_batch.bin"));
        writeCifar(dir.resolve("data_batch_3.bin"), 2, 0);
        b = Files.readAllBytes(dir.resolve("data_batch_3.bin"));
        b[0] = 12;
        Files.write(dir.resolve("data_batch_3.bin"), b);
        e = assertThrows(IOException.class, () -> Cifar10BinaryReader.read(dir, true));
        assertTrue(e.getMessage().contains("label 12"), e.getMessage());
    }
}
