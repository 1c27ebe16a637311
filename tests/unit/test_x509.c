/* test_x509.c - does a node's certificate name an address: one from an
 * older tsnet names its address only, not its address6 (the IPv6
 * connections' identity).  The certificates were made with strongSwan's
 * pki (--san 198.18.0.1, and --san fd00:7473::1 for the newer one). */
#include <criterion/criterion.h>
#include <string.h>

#include "enable/x509.h"

static const char old_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBIzCB1qADAgECAggZwYGU6KFk3jAFBgMrZXAwHTEOMAwGA1UEChMFdHNuZXQx\n"
	"CzAJBgNVBAMTAmNhMB4XDTI2MTIwODA0MDkyNloXDTI5MTIwNzA0MDkyNlowHTEO\n"
	"MAwGA1UEChMFdHNuZXQxCzAJBgNVBAMTAm4xMCowBQYDK2VwAyEAkXjIt4y5OGlA\n"
	"8+9o9R1MVKxZE87kl4Nf1gdAe4581NmjNDAyMB8GA1UdIwQYMBaAFLNrJko+BvT1\n"
	"s7aUaSOaZUDOJ+F0MA8GA1UdEQQIMAaHBMYSAAEwBQYDK2VwA0EABekHxMStM7Oi\n"
	"+0hZexiNvwH89Np7lxcQNWmHVBC1DuFqA69NdKK1h+w7veOVC2CHc/3Sx3ceZTcJ\n"
	"n+G4T2DrCQ==\n"
	"-----END CERTIFICATE-----\n";

static const char new_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBNTCB6KADAgECAggCp2rCAu13OzAFBgMrZXAwHTEOMAwGA1UEChMFdHNuZXQx\n"
	"CzAJBgNVBAMTAmNhMB4XDTI2MTIwODA0MDkyNloXDTI5MTIwNzA0MDkyNlowHTEO\n"
	"MAwGA1UEChMFdHNuZXQxCzAJBgNVBAMTAm4xMCowBQYDK2VwAyEAkXjIt4y5OGlA\n"
	"8+9o9R1MVKxZE87kl4Nf1gdAe4581NmjRjBEMB8GA1UdIwQYMBaAFLNrJko+BvT1\n"
	"s7aUaSOaZUDOJ+F0MCEGA1UdEQQaMBiHBMYSAAGHEP0AdHMAAAAAAAAAAAAAAAEw\n"
	"BQYDK2VwA0EABdgro1uoL8ucX34RjcdxzImTG3I2W/HwvINrIOLMa8MFbYczuE65\n"
	"kaMXt32AGxvx8OLwwexevm2lEVCW3cGFBQ==\n"
	"-----END CERTIFICATE-----\n";

static struct tsn_addr addr(const char *s)
{
	struct tsn_addr a;

	cr_assert_eq(tsn_addr_parse(s, &a), 0, "%s", s);
	return a;
}

Test(x509, names_its_sans_only)
{
	struct tsn_addr v4 = addr("198.18.0.1"), v6 = addr("fd00:7473::1");
	struct tsn_addr other4 = addr("198.18.0.2");
	struct tsn_addr other6 = addr("fd00:7473::2");

	cr_assert(tsn_x509_cert_names(new_pem, &v4));
	cr_assert(tsn_x509_cert_names(new_pem, &v6));
	cr_assert_not(tsn_x509_cert_names(new_pem, &other6));
	/* an older tsnet's certificate: no address6 */
	cr_assert(tsn_x509_cert_names(old_pem, &v4));
	cr_assert_not(tsn_x509_cert_names(old_pem, &v6));
	cr_assert_not(tsn_x509_cert_names(old_pem, &other4));
}

Test(x509, not_a_certificate)
{
	struct tsn_addr v4 = addr("198.18.0.1");

	cr_assert_not(tsn_x509_cert_names(NULL, &v4));
	cr_assert_not(tsn_x509_cert_names("", &v4));
	cr_assert_not(tsn_x509_cert_names("-----BEGIN CERTIFICATE-----\n"
					  "!!!\n-----END CERTIFICATE-----\n",
					  &v4));
	cr_assert_not(tsn_x509_cert_names("-----BEGIN CERTIFICATE-----\n"
					  "MIIB\n", &v4));
}
