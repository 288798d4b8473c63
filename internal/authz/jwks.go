package authz

import (
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
)

// minRSABits is the smallest RSA modulus accepted in a JWKS.
const minRSABits = 2048

// Algorithm names as they appear in a token's alg header.
const (
	algHS256 = "HS256"
	algRS256 = "RS256"
	algEdDSA = "EdDSA"
)

// publicKey is one verification key from a JWKS file.
type publicKey struct {
	kid string
	alg string // algRS256 or algEdDSA: the only algorithm the key verifies
	key any    // *rsa.PublicKey or ed25519.PublicKey
}

// jwk is the subset of RFC 7517/7518/8037 members we read.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Crv string `json:"crv"`
	N   string `json:"n"`
	E   string `json:"e"`
	X   string `json:"x"`
	D   string `json:"d"`
}

// loadJWKS reads and parses the JWKS file at path.
func loadJWKS(path string) ([]publicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("authz: reading JWKS file: %w", err)
	}
	keys, err := parseJWKS(data)
	if err != nil {
		return nil, fmt.Errorf("authz: JWKS file %s: %w", path, err)
	}
	return keys, nil
}

// parseJWKS parses an RFC 7517 JSON Web Key Set holding RSA (RS256) and
// Ed25519 (EdDSA) public keys. Anything else is an error: a key set is
// configuration, and a key we silently skipped would surface later as tokens
// that do not verify.
func parseJWKS(data []byte) ([]publicKey, error) {
	var set struct {
		Keys *[]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("not a JSON Web Key Set: %w", err)
	}
	if set.Keys == nil {
		return nil, errors.New(`not a JSON Web Key Set: no "keys" member`)
	}
	if len(*set.Keys) == 0 {
		return nil, errors.New("the key set holds no keys")
	}
	keys := make([]publicKey, 0, len(*set.Keys))
	seen := make(map[string]bool)
	for i, raw := range *set.Keys {
		var k jwk
		if err := json.Unmarshal(raw, &k); err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
		pk, err := parseJWK(k)
		if err != nil {
			if k.Kid != "" {
				return nil, fmt.Errorf("key %d (kid %q): %w", i, k.Kid, err)
			}
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
		if k.Kid != "" {
			if seen[k.Kid] {
				return nil, fmt.Errorf("key %d: kid %q is used by an earlier key too", i, k.Kid)
			}
			seen[k.Kid] = true
		}
		keys = append(keys, pk)
	}
	return keys, nil
}

func parseJWK(k jwk) (publicKey, error) {
	if k.Use != "" && k.Use != "sig" {
		return publicKey{}, fmt.Errorf("use is %q; only signing keys (use \"sig\") belong in the key set", k.Use)
	}
	if k.D != "" {
		return publicKey{}, errors.New(`holds private key material ("d"); publish only the public key`)
	}
	switch k.Kty {
	case "RSA":
		if k.Alg != "" && k.Alg != algRS256 {
			return publicKey{}, fmt.Errorf("alg %q is not supported for RSA keys; use RS256", k.Alg)
		}
		pub, err := rsaPublicKey(k.N, k.E)
		if err != nil {
			return publicKey{}, err
		}
		return publicKey{kid: k.Kid, alg: algRS256, key: pub}, nil
	case "OKP":
		if k.Crv != "Ed25519" {
			return publicKey{}, fmt.Errorf("OKP curve %q is not supported; use Ed25519", k.Crv)
		}
		if k.Alg != "" && k.Alg != algEdDSA {
			return publicKey{}, fmt.Errorf("alg %q is not supported for Ed25519 keys; use EdDSA", k.Alg)
		}
		x, err := decodeB64URL(k.X)
		if err != nil {
			return publicKey{}, fmt.Errorf("x: %w", err)
		}
		if len(x) != ed25519.PublicKeySize {
			return publicKey{}, fmt.Errorf("x is %d bytes; an Ed25519 public key is %d", len(x), ed25519.PublicKeySize)
		}
		return publicKey{kid: k.Kid, alg: algEdDSA, key: ed25519.PublicKey(x)}, nil
	case "":
		return publicKey{}, errors.New(`no "kty"`)
	}
	return publicKey{}, fmt.Errorf("kty %q is not supported; use RSA (RS256) or OKP (Ed25519)", k.Kty)
}

func rsaPublicKey(n64, e64 string) (*rsa.PublicKey, error) {
	nb, err := decodeB64URL(n64)
	if err != nil {
		return nil, fmt.Errorf("n: %w", err)
	}
	eb, err := decodeB64URL(e64)
	if err != nil {
		return nil, fmt.Errorf("e: %w", err)
	}
	n := new(big.Int).SetBytes(nb)
	if n.BitLen() < minRSABits {
		return nil, fmt.Errorf("RSA key is %d bits; at least %d are required", n.BitLen(), minRSABits)
	}
	e := new(big.Int).SetBytes(eb)
	// rsa.PublicKey.E is an int; reject exponents that are even, 1, or too
	// large to be a sane public exponent.
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
		return nil, errors.New("e is not a valid RSA public exponent")
	}
	return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
}

// decodeB64URL decodes unpadded base64url (RFC 7515 section 2), tolerating
// trailing padding.
func decodeB64URL(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("missing")
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("not base64url: %w", err)
	}
	return b, nil
}
