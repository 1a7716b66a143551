using System.Numerics;
using System.Security.Cryptography;

namespace SharpVpn.Pki;

/// <summary>
/// Safe-prime search: random q of bits-1 bits with q ≡ 11 (mod 12), stepping by 12 so that
/// p = 2q+1 ≡ 23 (mod 24). A sieve of small primes rejects any candidate where q or p has a
/// small factor (q ≡ 0 or q ≡ (s-1)/2 mod s) using residues updated incrementally, so almost all
/// candidates cost no big-number work; survivors get a base-2 Fermat test on q then p, then
/// Miller-Rabin rounds on both.
/// </summary>
internal static class SafePrime
{
    private static readonly int[] SmallPrimes = MakeSmallPrimes(1 << 16);

    /// <summary>
    /// Larger sieve for big primes: each survivor costs a full-size modular exponentiation
    /// (~0.1 s at 2048 bits here), so sieving more per step pays.
    /// </summary>
    private static readonly Lazy<int[]> LargeSieve = new(() => MakeSmallPrimes(1 << 18));

    /// <summary>
    /// Searches on every core at once (independent random starts); the first safe prime found
    /// wins and the other searches are cancelled.
    /// </summary>
    public static BigInteger Generate(int bits, Action<char>? progress, CancellationToken cancellationToken)
    {
        if (bits < 256 || bits > 8192)
        {
            throw new PkiException($"DH prime size {bits} is out of range (256 to 8192 bits; 2048 or more for real use).");
        }
        int[] sieve = bits >= 1536 ? LargeSieve.Value : SmallPrimes;
        int workers = Math.Max(1, Environment.ProcessorCount);
        if (workers == 1)
        {
            return Search(bits, sieve, progress, cancellationToken);
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = Enumerable.Range(0, workers)
            .Select(_ => Task.Factory.StartNew(() => Search(bits, sieve, progress, cts.Token), cts.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToList();
        try
        {
            while (true)
            {
                Task<BigInteger> done = Task.WhenAny(tasks).GetAwaiter().GetResult();
                if (done.IsCompletedSuccessfully)
                {
                    return done.Result;
                }
                cancellationToken.ThrowIfCancellationRequested();
                done.GetAwaiter().GetResult(); // a worker failed: surface its exception
                tasks.Remove(done);
            }
        }
        finally
        {
            cts.Cancel();
            try
            {
                Task.WaitAll(tasks.ToArray());
            }
            catch (AggregateException)
            {
                // The losing searches end by cancellation.
            }
        }
    }

    private static BigInteger Search(int bits, int[] smallPrimes, Action<char>? progress, CancellationToken cancellationToken)
    {
        int rounds = bits >= 1024 ? 16 : 24;
        while (true)
        {
            // q: top bit set (so p has exactly `bits` bits), q ≡ 11 mod 12.
            BigInteger q = RandomOdd(bits - 1);
            q += (11 - (int)(q % 12) + 12) % 12;
            int[] residues = new int[smallPrimes.Length];
            for (int i = 0; i < smallPrimes.Length; i++)
            {
                residues[i] = (int)(q % smallPrimes[i]);
            }
            // Scan up to 2^16 steps from this start, then draw a new random start.
            for (int step = 0; step < 1 << 16; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (PassesSieve(residues, smallPrimes) && (q + (12 * step)).GetBitLength() == bits - 1)
                {
                    BigInteger qc = q + (12 * step);
                    progress?.Invoke('.');
                    BigInteger pc = (2 * qc) + 1;
                    if (Fermat2(qc) && Fermat2(pc))
                    {
                        progress?.Invoke('+');
                        if (MillerRabin(qc, rounds) && MillerRabin(pc, rounds))
                        {
                            progress?.Invoke('*');
                            return pc;
                        }
                    }
                }
                for (int i = 0; i < residues.Length; i++)
                {
                    int r = residues[i] + 12;
                    int s = smallPrimes[i];
                    residues[i] = r >= s ? r % s : r;
                }
            }
        }
    }

    private static bool PassesSieve(int[] residues, int[] smallPrimes)
    {
        for (int i = 0; i < residues.Length; i++)
        {
            int r = residues[i];
            // q divisible by s, or p = 2q+1 divisible by s (2r+1 ≡ 0 mod s).
            if (r == 0 || r == (smallPrimes[i] - 1) >> 1)
            {
                return false;
            }
        }
        return true;
    }

    private static bool Fermat2(BigInteger n) => BigInteger.ModPow(2, n - 1, n).IsOne;

    /// <summary>Miller-Rabin with random bases; error probability at most 4^-rounds.</summary>
    public static bool MillerRabin(BigInteger n, int rounds)
    {
        if (n < 2)
        {
            return false;
        }
        foreach (int sp in SmallPrimes.AsSpan(0, 20))
        {
            if (n == sp)
            {
                return true;
            }
            if (n % sp == 0)
            {
                return false;
            }
        }
        BigInteger d = n - 1;
        int s = 0;
        while (d.IsEven)
        {
            d >>= 1;
            s++;
        }
        int byteLen = n.GetByteCount(isUnsigned: true);
        for (int round = 0; round < rounds; round++)
        {
            BigInteger a;
            do
            {
                a = new BigInteger(RandomNumberGenerator.GetBytes(byteLen), isUnsigned: true) % (n - 3) + 2;
            }
            while (a < 2);
            BigInteger x = BigInteger.ModPow(a, d, n);
            if (x.IsOne || x == n - 1)
            {
                continue;
            }
            bool composite = true;
            for (int r = 1; r < s; r++)
            {
                x = BigInteger.ModPow(x, 2, n);
                if (x == n - 1)
                {
                    composite = false;
                    break;
                }
            }
            if (composite)
            {
                return false;
            }
        }
        return true;
    }

    private static BigInteger RandomOdd(int bits)
    {
        byte[] bytes = RandomNumberGenerator.GetBytes((bits + 7) / 8);
        int topBits = bits - (8 * (bytes.Length - 1)); // bits used in the most significant byte
        bytes[0] &= (byte)((1 << topBits) - 1);
        bytes[0] |= (byte)(1 << (topBits - 1));
        bytes[^1] |= 1;
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    private static int[] MakeSmallPrimes(int limit)
    {
        var composite = new bool[limit];
        var primes = new List<int>();
        for (int i = 2; i < limit; i++)
        {
            if (composite[i])
            {
                continue;
            }
            primes.Add(i);
            for (long j = (long)i * i; j < limit; j += i)
            {
                composite[j] = true;
            }
        }
        // 2 and 3 are handled by the q ≡ 11 (mod 12) stepping.
        return primes.Where(p => p > 3).ToArray();
    }
}
