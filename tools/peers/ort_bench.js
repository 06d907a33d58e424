// Times ONNX Runtime (npm onnxruntime-node, CPU) on a plain ONNX model.
// usage: node ort_bench.js MODEL.onnx BATCH THREADS SECONDS   (NODE_PATH must find onnxruntime-node)
// Prints one JSON object: engine, batch, threads, median_us (per batch), p10_us, p90_us, runs.
const ort = require('onnxruntime-node');

async function main() {
    const [path, batchS, threadsS, secondsS] = process.argv.slice(2);
    const batch = Number(batchS), threads = Number(threadsS), seconds = Number(secondsS);
    const session = await ort.InferenceSession.create(path, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
    });
    const data = new Float32Array(batch * 32 * 32);
    let seed = 1;
    for (let i = 0; i < data.length; ++i) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        data[i] = seed / 2147483648 - 0.5;
    }
    const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', data, [batch, 1, 32, 32])};
    for (let i = 0; i < 20; ++i) await session.run(feeds);
    const times = [];
    const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
    while (times.length < 20 || process.hrtime.bigint() < end) {
        const t0 = process.hrtime.bigint();
        await session.run(feeds);
        times.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    times.sort((a, b) => a - b);
    const q = (f) => times[Math.floor(f * (times.length - 1))];
    const version = require('onnxruntime-node/package.json').version;
    console.log(JSON.stringify({engine: `onnxruntime-node ${version} (CPU)`, batch, threads,
                                median_us: q(0.5), p10_us: q(0.1), p90_us: q(0.9),
                                runs: times.length}));
}
main().catch((e) => { console.error(`ort_bench: ${e.message}`); process.exit(1); });
