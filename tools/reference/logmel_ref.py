#!/usr/bin/python3
"""Independent numpy reference of Numenta's GSC log-mel features (librosa's formulas).

librosa is not packaged for Debian, so this re-implements, in float64 numpy, exactly what
Numenta's preprocessing calls:

    y = FixAudioLength(1 s)                     # keep the first second, pad zeros at the end
    S = librosa.feature.melspectrogram(y, sr, n_mels=32)   # n_fft 2048, hop 512, power 2,
                                                # center=True with reflect padding, periodic Hann,
                                                # Slaney mel scale + Slaney area normalisation
    F = librosa.power_to_db(S, ref=np.max)      # amin 1e-10, top_db 80

It reads WAV with Python's `wave` module (PCM 8/16/24/32-bit, any channel count: averaged),
shares no code with SparseLab's C++ and does not resample: the input must already be at --sr.

Usage:
  logmel_ref.py IN.wav [--out OUT.f32] [--compare OTHER.f32] [--sr 16000] [--n-mels 32] ...
Writes raw little-endian float32, rows = mel bands (low to high), columns = frames.
With --compare, prints the max abs difference (dB) to OTHER.f32 and exits 1 when > --tol.
"""
import argparse
import sys
import wave

import numpy as np


def read_wav(path):
    with wave.open(path, "rb") as w:
        channels, width, rate, frames = (w.getnchannels(), w.getsampwidth(), w.getframerate(),
                                         w.getnframes())
        raw = w.readframes(frames)
    if width == 1:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    elif width == 2:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    elif width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        x = v.astype(np.float64) / float(1 << 23)
    elif width == 4:
        x = np.frombuffer(raw, dtype="<i4").astype(np.float64) / float(1 << 31)
    else:
        raise SystemExit(f"{path}: unsupported sample width {width}")
    x = x.reshape(-1, channels).mean(axis=1)
    return x, rate


def fix_length(y, n):
    if len(y) >= n:
        return y[:n]
    return np.pad(y, (0, n - len(y)), mode="constant")


def hz_to_mel(f):
    f = np.asanyarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-30) / min_log_hz)
                    / logstep, mels)


def mel_to_hz(m):
    m = np.asanyarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    freqs = f_sp * m
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


def mel_filters(sr, n_fft, n_mels, fmin=0.0, fmax=None):
    """librosa.filters.mel(sr, n_fft, n_mels, htk=False, norm='slaney')"""
    fmax = sr / 2.0 if fmax is None else fmax
    fftfreqs = np.linspace(0, sr / 2.0, 1 + n_fft // 2)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    weights = np.zeros((n_mels, 1 + n_fft // 2))
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels])
    return weights * enorm[:, np.newaxis]


def power_spectrogram(y, n_fft, hop):
    """|librosa.stft(y, n_fft, hop, window='hann', center=True, pad_mode='reflect')|**2"""
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)  # periodic Hann
    yp = np.pad(y, n_fft // 2, mode="reflect")
    n_frames = 1 + (len(yp) - n_fft) // hop
    frames = np.stack([yp[t * hop:t * hop + n_fft] for t in range(n_frames)], axis=1)
    spec = np.fft.rfft(frames * window[:, None], axis=0)
    return np.abs(spec) ** 2


def power_to_db(S, amin=1e-10, top_db=80.0):
    ref = np.max(S)
    log_spec = 10.0 * np.log10(np.maximum(amin, S)) - 10.0 * np.log10(np.maximum(amin, ref))
    return np.maximum(log_spec, log_spec.max() - top_db)


def logmel(y, sr=16000, n_mels=32, n_fft=2048, hop=512, top_db=80.0):
    y = fix_length(np.asarray(y, dtype=np.float64), sr)
    S = mel_filters(sr, n_fft, n_mels) @ power_spectrogram(y, n_fft, hop)
    return power_to_db(S, top_db=top_db)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("wav")
    ap.add_argument("--out", help="write raw float32 features here")
    ap.add_argument("--compare", help="raw float32 features to compare with")
    ap.add_argument("--tol", type=float, default=0.1, help="max abs dB difference for --compare")
    ap.add_argument("--sr", type=int, default=16000)
    ap.add_argument("--n-mels", type=int, default=32)
    ap.add_argument("--n-fft", type=int, default=2048)
    ap.add_argument("--hop", type=int, default=512)
    ap.add_argument("--top-db", type=float, default=80.0)
    a = ap.parse_args()
    y, rate = read_wav(a.wav)
    if rate != a.sr:
        sys.exit(f"{a.wav}: {rate} Hz; this reference does not resample (need {a.sr} Hz)")
    F = logmel(y, a.sr, a.n_mels, a.n_fft, a.hop, a.top_db)
    if a.out:
        F.astype("<f4").tofile(a.out)
    if a.compare:
        other = np.fromfile(a.compare, dtype="<f4")
        if other.size != F.size:
            sys.exit(f"{a.compare}: {other.size} values, reference has {F.size} "
                     f"({F.shape[0]}x{F.shape[1]})")
        diff = float(np.max(np.abs(other.reshape(F.shape) - F)))
        print(f"max_abs_diff_db {diff:.6f} shape {F.shape[0]}x{F.shape[1]}")
        sys.exit(0 if diff <= a.tol else 1)
    if not a.out and not a.compare:
        np.savetxt(sys.stdout, F, fmt="%.4f")


if __name__ == "__main__":
    main()
